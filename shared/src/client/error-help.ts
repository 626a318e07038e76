/**
 * What to tell a person when the relay refuses them, the same in every editor: whose key, which space, on
 * which relay, and what they can do about it (ask for access, or give their key to a lead). The editors
 * only render it: a VS Code notification or a JupyterLab dialog, one button per action.
 */
import { CloseCode } from '../protocol/close-codes.js';
import { ConnectionClosedError, RequestError } from './errors.js';

/** Something the person can do next; each editor wires it to its own command. */
export type HelpAction = 'request-access' | 'copy-key';

/** The button label of each action, so both editors offer the same words. */
export const HELP_ACTION_LABELS: Readonly<Record<HelpAction, string>> = {
  'request-access': 'Request Access',
  'copy-key': 'Copy My Key',
};

/** Where the error happened and who was refused. */
export interface ErrorScene {
  readonly relay: string;
  readonly space: string;
  readonly document?: string;
  /** The person's public key (what "Copy My Key" copies). */
  readonly publicKey: string;
  /** Its short fingerprint, if known, as leads see it in request lists. */
  readonly fingerprint?: string;
  readonly name?: string;
}

export interface ErrorHelp {
  readonly title: string;
  readonly message: string;
  readonly actions: readonly HelpAction[];
}

/** The help for `error` met in `scene`; errors that are not refusals keep their own message and no actions. */
export function helpFor(error: unknown, scene: ErrorScene): ErrorHelp {
  const key = keyLabel(scene);
  const space = `"${scene.space}"`;
  const where = scene.document ? `${space} (opening ${scene.document})` : space;
  if (error instanceof ConnectionClosedError) {
    if (error.code === CloseCode.Forbidden)
      return {
        title: `Access denied to ${scene.space}`,
        message:
          `The relay ${scene.relay} did not let ${key} into the space ${where}: that key is not on the space's ` +
          `access list, or the space does not exist. Request access, or copy your key and send it to a lead of ${space}.`,
        actions: ['request-access', 'copy-key'],
      };
    if (error.code === CloseCode.AccessRevoked)
      return {
        title: `Access to ${scene.space} was revoked`,
        message:
          `A lead of ${space} removed ${key} from its access list (relay ${scene.relay}). ` +
          `Request access again, or copy your key and send it to a lead of ${space}.`,
        actions: ['request-access', 'copy-key'],
      };
    if (error.code === CloseCode.Unauthenticated)
      return {
        title: 'Your key was not accepted',
        message: `The relay ${scene.relay} did not accept the signature of ${key} for ${where}${reasonOf(error)}.`,
        actions: [],
      };
  }
  if (error instanceof RequestError && error.code === 'forbidden')
    return {
      title: `Not allowed in ${scene.space}`,
      message:
        `${capitalized(error.message)}: the role of ${key} in ${space} does not allow it. ` +
        `A lead of ${space} can change your role: copy your key and send it to them.`,
      actions: ['copy-key'],
    };
  return { title: 'Enclave', message: error instanceof Error ? error.message : String(error), actions: [] };
}

/** "your key ab12-cd34-… (Ada)": what leads see of it in their lists. */
function keyLabel(scene: ErrorScene): string {
  const id = scene.fingerprint ?? `${scene.publicKey.slice(0, 20)}…`;
  return `your key ${id}${scene.name ? ` (${scene.name})` : ''}`;
}

function reasonOf(error: ConnectionClosedError): string {
  return error.reason && error.reason !== 'access denied' ? ` (${error.reason})` : '';
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
