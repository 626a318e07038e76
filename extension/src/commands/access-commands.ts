/**
 * For leads: the space's access list, grant by public key, change a role, revoke. The relay enforces
 * who may do what; a refusal is shown as the relay words it.
 */
import * as vscode from 'vscode';
import { isPublicKeyText, type Member, type Role, ROLES } from '@enclave/shared';
import { ensureIdentity } from '../identity/identity-commands.js';
import type { Services } from '../services.js';
import { pickName, pickRelay } from './pickers.js';
import { withSpace } from './space-channel.js';

export interface AccessArgs {
  readonly relay?: string;
  readonly space?: string;
  readonly action?: 'list' | 'grant' | 'revoke';
  readonly publicKey?: string;
  readonly role?: Role;
  readonly name?: string;
}

async function pickRole(): Promise<Role | undefined> {
  return (await vscode.window.showQuickPick([...ROLES], { title: 'Enclave: role' })) as Role | undefined;
}

export function registerAccessCommands(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('enclave.manageAccess', async (args: AccessArgs = {}) => {
    const identity = await ensureIdentity(services.identities);
    const active = services.sessions.active();
    const relay = args.relay ?? active?.address.relay ?? (await pickRelay());
    const space = args.space ?? active?.address.space ?? (relay ? await pickName('space') : undefined);
    if (!identity || !relay || !space) return undefined;
    return withSpace(relay, space, identity, async (channel) => {
      const list = async (): Promise<readonly Member[]> => (await channel.request({ op: 'members.list' })).members;
      if (args.action === 'list') return list();
      if (args.action === 'grant' && args.publicKey && args.role && isPublicKeyText(args.publicKey)) {
        const grant = { op: 'members.grant', publicKey: args.publicKey, role: args.role } as const;
        return (await channel.request(args.name ? { ...grant, name: args.name } : grant)).member;
      }
      if (args.action === 'revoke' && args.publicKey && isPublicKeyText(args.publicKey)) {
        return (await channel.request({ op: 'members.revoke', publicKey: args.publicKey })).removed;
      }
      const members = await list();
      const GRANT = '$(add) Grant access by public key...';
      const picked = await vscode.window.showQuickPick(
        [
          { label: GRANT },
          ...members.map((m) => ({ label: m.name, description: `${m.role} · ${m.fingerprint}`, member: m })),
        ],
        { title: `Enclave: access to ${space}` },
      );
      if (!picked) return undefined;
      if (!('member' in picked)) {
        const publicKey = await vscode.window.showInputBox({
          title: 'Public key (ed25519:...)',
          validateInput: (v) => (isPublicKeyText(v.trim()) ? undefined : 'An ed25519: public key'),
        });
        const name = publicKey ? await vscode.window.showInputBox({ title: 'Their display name' }) : undefined;
        const role = name !== undefined ? await pickRole() : undefined;
        const key = publicKey?.trim();
        if (!key || !role || !isPublicKeyText(key)) return undefined;
        const grant = { op: 'members.grant', publicKey: key, role } as const;
        return (await channel.request(name ? { ...grant, name } : grant)).member;
      }
      const member = picked.member;
      const action = await vscode.window.showQuickPick(['Change role', 'Revoke'], {
        title: `${member.name} (${member.role})`,
      });
      if (action === 'Revoke')
        return (await channel.request({ op: 'members.revoke', publicKey: member.publicKey })).removed;
      const role = action ? await pickRole() : undefined;
      if (!role) return undefined;
      return (await channel.request({ op: 'members.grant', publicKey: member.publicKey, role, name: member.name }))
        .member;
    });
  });
}
