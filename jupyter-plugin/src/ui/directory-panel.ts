/**
 * A side panel listing the spaces on a relay's directory: each listing's title, research area and
 * expectations, its leads with their key fingerprints, how many members, the agreement if shown, and people
 * the reader already shares a space with. Every listing is checked against its lead's signature (shared's
 * readDirectory): a verified one says who signed it, anything else is marked Not verified and cannot be
 * asked from. Ask to Join sends the ordinary access request, marked for the leads as from the directory.
 */
import { type CheckedEntry, listingTrustText, personText } from '@enclave/shared';
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import type { EnclaveService } from '../enclave-service.js';
import { CommandIds } from '../tokens.js';

export class DirectoryPanel extends Widget {
  private relay: string | undefined;
  private shown: CheckedEntry[] = [];

  constructor(
    private readonly service: EnclaveService,
    private readonly commands: CommandRegistry,
    private readonly report: (title: string, error: unknown) => void,
  ) {
    super();
    this.id = 'enclave-directory';
    this.addClass('enclave-directory');
    this.title.caption = 'Enclave directory: spaces listed on a relay';
    this.render();
  }

  /** The listings on show. */
  get entries(): readonly CheckedEntry[] {
    return this.shown;
  }

  /** Reads `relay`'s directory (or the one chosen, or the first configured) and shows it. */
  async browse(relay?: string): Promise<void> {
    this.relay = relay ?? this.relay ?? this.service.settings.relays[0]?.name;
    if (!this.relay) {
      this.shown = [];
      this.render('Add a relay in Settings > Enclave to browse its directory.');
      return;
    }
    this.node.dataset['state'] = 'loading';
    try {
      this.shown = await this.service.directory(this.relay);
      this.render();
    } catch (error) {
      this.shown = [];
      this.render(`Cannot read the directory of ${this.relay}: ${error instanceof Error ? error.message : error}`);
      throw error;
    }
  }

  private render(problem?: string): void {
    const node = this.node;
    node.replaceChildren();
    node.dataset['state'] = problem ? 'problem' : 'ready';
    const heading = document.createElement('h3');
    heading.textContent = 'Directory';
    node.appendChild(heading);
    node.appendChild(this.relayPicker());
    if (problem) node.appendChild(paragraph('enclave-directory-problem', problem));
    else if (this.relay && this.shown.length === 0) {
      node.appendChild(paragraph('enclave-directory-none', 'No space is listed on this relay.'));
    }
    for (const checked of this.shown) node.appendChild(this.entry(checked));
  }

  private relayPicker(): HTMLElement {
    const bar = document.createElement('div');
    bar.className = 'enclave-directory-bar';
    const select = document.createElement('select');
    select.className = 'enclave-directory-relay';
    for (const { name } of this.service.settings.relays) {
      select.appendChild(Object.assign(document.createElement('option'), { value: name, text: name }));
    }
    if (this.relay) select.value = this.relay;
    const refresh = document.createElement('button');
    refresh.className = 'jp-Button jp-mod-styled enclave-directory-refresh';
    refresh.textContent = 'Refresh';
    const load = (): void => void this.browse(select.value).catch((error: unknown) => this.report('Directory', error));
    refresh.onclick = load;
    select.onchange = load;
    bar.append(select, refresh);
    return bar;
  }

  private entry(checked: CheckedEntry): HTMLElement {
    const { entry, check } = checked;
    const box = document.createElement('div');
    box.className = 'enclave-directory-entry';
    box.dataset['space'] = entry.space;
    box.dataset['verified'] = String(check.verified);
    const title = paragraph('enclave-directory-title', `${entry.title} (${entry.space})`);
    const badge = paragraph(
      `enclave-directory-badge ${check.verified ? 'enclave-verified' : 'enclave-not-verified'}`,
      check.verified ? `✓ Verified: ${listingTrustText(checked)}` : `⚠ ${listingTrustText(checked)}`,
    );
    badge.title = check.verified
      ? `Compare ${entry.listedBy.fingerprint} with the lead's fingerprint you know from elsewhere.\n${entry.listedBy.publicKey}`
      : 'The relay served a listing its lead did not sign as shown: do not trust it.';
    box.append(
      title,
      badge,
      paragraph(
        'enclave-directory-leads',
        `Leads: ${entry.leads.map(personText).join(', ')} · ${entry.memberCount} member(s) · listed ${entry.listedAt}`,
      ),
      paragraph('enclave-directory-description', entry.description),
    );
    if (entry.expectations)
      box.appendChild(paragraph('enclave-directory-expectations', `Expects: ${entry.expectations}`));
    if (entry.agreement) {
      const details = document.createElement('details');
      details.className = 'enclave-directory-agreement';
      const summary = document.createElement('summary');
      summary.textContent = `Agreement (version ${entry.agreement.version}), signed by members before any content`;
      const text = document.createElement('pre');
      text.textContent = entry.agreement.text;
      details.append(summary, text);
      box.appendChild(details);
    }
    if (entry.knownMembers.length > 0) {
      box.appendChild(
        paragraph(
          'enclave-directory-known',
          `People you share a space with: ${entry.knownMembers.map(personText).join(', ')}`,
        ),
      );
    }
    const ask = document.createElement('button');
    ask.className = 'jp-Button jp-mod-styled jp-mod-accept enclave-directory-ask';
    ask.textContent = 'Ask to Join';
    ask.disabled = !check.verified;
    ask.onclick = () => {
      void this.commands.execute(CommandIds.requestAccess, { space: `${this.relay}/${entry.space}`, via: 'directory' });
    };
    box.appendChild(ask);
    return box;
  }
}

function paragraph(className: string, text: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  return p;
}
