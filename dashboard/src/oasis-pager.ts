import { LitElement, html } from 'lit';
import { LangController, t } from './i18n.js';
import { sharedStyles } from './styles.js';

/**
 * `<oasis-pager total offset page>`: the "N in all · Previous · Next" bar under a paged table.
 * Fires `page` with `detail.offset` = the offset to load; the list owns the offset and loads.
 * A list paged by cursor sets `more` (a next page follows) instead of a total: no "N in all",
 * Next enabled by `more`.
 */
export class OasisPager extends LitElement {
  static override properties = { total: { type: Number }, offset: { type: Number }, page: { type: Number }, more: { attribute: false } };
  static override styles = [sharedStyles];
  declare total: number;
  declare offset: number;
  declare page: number;
  declare more: boolean | undefined;
  private readonly i18n = new LangController(this);

  constructor() {
    super();
    this.total = 0;
    this.offset = 0;
    this.page = 50;
    this.more = undefined;
  }

  private go(offset: number): void {
    this.dispatchEvent(new CustomEvent('page', { detail: { offset }, bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <div class="bar">
        <span class="muted">${this.more === undefined ? t('common.total', { n: this.total }) : ''}</span>
        <span class="actions">
          <button class="secondary" type="button" ?disabled=${this.offset === 0} @click=${() => this.go(Math.max(0, this.offset - this.page))}>
            ${t('common.prev')}
          </button>
          <button class="secondary" type="button" ?disabled=${this.more === undefined ? this.offset + this.page >= this.total : !this.more} @click=${() => this.go(this.offset + this.page)}>
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
