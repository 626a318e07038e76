/**
 * Gets a connection past the space's agreement: when the welcome carries an agreement this identity has
 * not signed, the person reads it (`ask`) and either signs it with their key (the relay then sends a second
 * welcome, and content or space requests follow) or declines (the connection is closed; nothing was sent).
 */
import type { AgreementInfo, EnclaveConnection, WelcomeMessage } from '@enclave/shared';

/** Where the agreement was met, so the person knows what they are signing for. */
export interface AgreementContext {
  readonly relay: string;
  readonly space: string;
  /** The document being opened, if any. */
  readonly document?: string;
}

/** Shows the text; resolves true to sign it, false to decline. */
export type AgreementPrompt = (context: AgreementContext, agreement: AgreementInfo) => Promise<boolean>;

export class AgreementDeclinedError extends Error {
  override readonly name = 'AgreementDeclinedError';
  constructor(space: string) {
    super(`you did not sign the agreement of ${space}: the relay sends nothing from it until you do`);
  }
}

/** Resolves with the welcome that admits content (agreement null); signs on the way if the person agrees. */
export async function passAgreement(
  connection: EnclaveConnection,
  context: AgreementContext,
  ask: AgreementPrompt,
): Promise<WelcomeMessage> {
  const welcome = await connection.whenWelcomed();
  if (!welcome.agreement) return welcome;
  if (!(await ask(context, welcome.agreement))) {
    connection.close();
    throw new AgreementDeclinedError(context.space);
  }
  const second = nextWelcome(connection);
  await connection.signAgreement(welcome.agreement);
  return second;
}

/** The next welcome on the connection (the one the relay sends after the signature). */
function nextWelcome(connection: EnclaveConnection): Promise<WelcomeMessage> {
  return new Promise((resolve, reject) => {
    const onWelcome = (welcome: WelcomeMessage): void => {
      if (welcome.agreement) return;
      cleanup();
      resolve(welcome);
    };
    const onStatus = (): void => {
      if (connection.status !== 'denied' && connection.status !== 'closed') return;
      cleanup();
      connection.whenWelcomed().then(resolve, reject);
    };
    const cleanup = (): void => {
      connection.off('welcome', onWelcome);
      connection.off('status', onStatus);
    };
    connection.on('welcome', onWelcome);
    connection.on('status', onStatus);
  });
}
