import { LitElement, html } from 'lit';
import { LangController, t } from './i18n.js';
import { sharedStyles } from './styles.js';

/**
 * `<oasis-pager total offset page>`: the "N in all · Previous · Next" bar under a paged table.
 * Fires `page` with `detail.offset` = the offset to load; the list owns the offset and loads.
 */
export class OasisPager extends LitElement {
  static override properties = { total: { type: Number }, offset: { type: Number }, page: { type: Number } };
  static override styles = [sharedStyles];
  declare total: number;
  declare offset: number;
  declare page: number;
  private readonly i18n = new LangController(this);

  constructor() {
    super();
    this.total = 0;
    this.offset = 0;
    this.page = 50;
  }

  private go(offset: number): void {
    this.dispatchEvent(new CustomEvent('page', { detail: { offset }, bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <div class="bar">
        <span class="muted">${t('common.total', { n: this.total })}</span>
        <span class="actions">
          <button class="secondary" type="button" ?disabled=${this.offset === 0} @click=${() => this.go(Math.max(0, this.offset - this.page))}>
            ${t('common.prev')}
          </button>
          <button class="secondary" type="button" ?disabled=${this.offset + this.page >= this.total} @click=${() => this.go(this.offset + this.page)}>
            ${t('common.next')}
          </button>
        </span>
      </div>
    `;
  }
}

customElements.define('oasis-pager', OasisPager);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-pager': OasisPager;
  }
}
