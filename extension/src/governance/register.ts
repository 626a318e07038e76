/** Wires issue 6's governance into the extension: invites, access requests, agreements, audit. */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { registerAgreementCommands } from './agreement-commands.js';
import { registerAuditCommands } from './audit-commands.js';
import { registerInviteCommands } from './invite-commands.js';
import { LeadWatch } from './lead-watch.js';
import { registerRequestCommands } from './request-commands.js';
import { RequestWatcher } from './request-watcher.js';
import { gateFor } from './target.js';

export function registerGovernance(services: Services): { leads: LeadWatch; disposable: vscode.Disposable } {
  const leads = new LeadWatch(
    services.sessions,
    () => services.identities.get(),
    (where, identity) => new RequestWatcher(where, identity, gateFor(services, where.relay, where.space)),
    services.reportError,
  );
  return {
    leads,
    disposable: vscode.Disposable.from(
      leads,
      registerInviteCommands(services),
      registerRequestCommands(services, leads),
      registerAgreementCommands(services),
      registerAuditCommands(services),
    ),
  };
}
