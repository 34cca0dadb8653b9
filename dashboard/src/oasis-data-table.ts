import { LitElement, html } from 'lit';
import './oasis-pager.js';
import { pageStyles, sharedStyles } from './styles.js';

/**
 * `<oasis-data-table>`: the table of a list page — its error line, the column headers, the rows
 * (rendered by the page, see `ListController.render`), the empty state and, for a paged list, the
 * `<oasis-pager>` (whose `page` event bubbles to the page's controller). It scrolls sideways on a
 * narrow screen instead of widening the page. The rows are styled here, so this element carries
 * the page styles a row uses (badges, actions, selects).
 */
export class OasisDataTable extends LitElement {
  static override properties = {
    error: {},
    columns: { attribute: false },
    rows: { attribute: false },
    empty: {},
    emptyOnly: { type: Boolean },
    total: { type: Number },
    offset: { type: Number },
    pageSize: { type: Number },
    more: { attribute: false },
  };
  static override styles = [sharedStyles, pageStyles];
  /** The load's failure; '' for none (the line is then hidden). */
  declare error: string;
  declare columns: readonly string[];
  /** One rendered `<tr>` each. */
  declare rows: readonly unknown[];
  /** The empty state to say under the table; '' for none. */
  declare empty: string;
  /** Say {@link empty} instead of the table. */
  declare emptyOnly: boolean;
  declare total: number;
  declare offset: number;
  /** Rows per page; 0 for a whole list (no pager). */
  declare pageSize: number;
  /** A list paged by cursor: whether a next page follows (the pager then shows no total); undefined for an offset list. */
  declare more: boolean | undefined;

  constructor() {
    super();
    this.error = '';
    this.columns = [];
    this.rows = [];
    this.empty = '';
    this.emptyOnly = false;
    this.total = 0;
    this.offset = 0;
    this.pageSize = 0;
    this.more = undefined;
  }

  override render() {
    const empty = this.empty ? html`<p class="muted">${this.empty}</p>` : '';
    return html`
      <p class="error" role="alert">${this.error}</p>
      ${this.empty && this.emptyOnly
        ? empty
        : html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    ${this.columns.map((c) => html`<th scope="col">${c}</th>`)}
                  </tr>
                </thead>
                <tbody>
                  ${this.rows}
                </tbody>
              </table>
            </div>
            ${empty}`}
      ${this.pageSize > 0 ? html`<oasis-pager .total=${this.total} .offset=${this.offset} .page=${this.pageSize} .more=${this.more}></oasis-pager>` : ''}
    `;
  }
}

customElements.define('oasis-data-table', OasisDataTable);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-data-table': OasisDataTable;
  }
}
