/**
 * Tokens other plugins (and this package's own plugins) use to reach Enclave's services.
 */
import { Token } from '@lumino/coreutils';
import type { EnclaveService } from './enclave-service.js';

export const IEnclave = new Token<EnclaveService>(
  '@enclave/jupyter-plugin:IEnclave',
  'Enclave: identity, relays and the live links of shared documents.',
);

export const CommandIds = {
  open: 'enclave:open',
  browse: 'enclave:browse',
  share: 'enclave:share',
  leave: 'enclave:leave',
  participants: 'enclave:participants',
  members: 'enclave:members',
  grant: 'enclave:grant',
  revoke: 'enclave:revoke',
  showIdentity: 'enclave:identity-show',
  exportIdentity: 'enclave:identity-export',
  importIdentity: 'enclave:identity-import',
  createInvite: 'enclave:invite-create',
  invites: 'enclave:invites',
  join: 'enclave:join',
  requestAccess: 'enclave:request-access',
  watchRequests: 'enclave:requests-watch',
  setAgreement: 'enclave:agreement-set',
  signatures: 'enclave:agreement-signatures',
  audit: 'enclave:audit',
  directory: 'enclave:directory',
} as const;
