/**
 * Gets a connection past its space's agreement, the same way in every editor: when the welcome carries an
 * agreement this identity has not signed, the person reads it (`ask`, the editor's own UI) and either signs
 * it with their key (the relay then sends a second welcome and content flows) or declines (the connection is
 * closed; nothing of the space was received).
 */
import type { AgreementInfo } from '../protocol/governance.js';
import type { WelcomeMessage } from '../protocol/messages.js';
import type { EnclaveConnection } from './enclave-connection.js';

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
  constructor(readonly space: string) {
    super(`you did not sign the agreement of ${space}: the relay sends nothing from it until you do`);
  }
}

/**
 * Resolves with the welcome that admits content (its agreement null): at once when there is nothing to sign,
 * after the signature otherwise. A decline closes the connection and rejects with AgreementDeclinedError.
 */
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
  // signAgreement resolves once the relay's second welcome (agreement null) has arrived.
  await connection.signAgreement(welcome.agreement);
  return connection.whenWelcomed();
}
