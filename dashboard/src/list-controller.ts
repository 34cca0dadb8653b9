import { html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { t } from './i18n.js';
import { LoadController } from './load-controller.js';
import './oasis-data-table.js';

/**
 * One page of a paged list, as the admin answers it: by offset with a `total` (`GET /audit`),
 * or by cursor with `nextCursor` (`GET /logs`; null on the last page, `total` then left out).
 */
export interface ListPage<T> {
  items: T[];
  total?: number;
  nextCursor?: string | null;
}

/**
 * The window a paged list asks for: `offset` (page number × size), and for a list paged by
 * cursor the `nextCursor` of the page before it (undefined for the first page).
 */
export interface ListWindow {
  limit: number;
  offset: number;
  cursor?: string;
}

/** What a page tells its {@link ListController}. */
export interface ListOptions<T> {
  /**
   * Loads the rows. A paged list (with {@link pageSize}) gets the window to load and answers a
   * {@link ListPage}; a whole list answers its rows.
   */
  fetch: (window: ListWindow) => Promise<readonly T[] | ListPage<T>>;
  /** Rows per page: the list is paged and shows `<oasis-pager>`. Unset: one whole list. */
  pageSize?: number;
  /** Load when the host connects (default true); see {@link LoadOptions.auto}. */
  auto?: boolean;
}

/** How a page shows its list: {@link ListController.render}'s argument. */
export interface ListView<T> {
  /** Column headers, in order. */
  columns: readonly string[];
  /** One `<tr>` for an item (the first cell usually a `<th scope="row">`). */
  row: (item: T) => TemplateResult;
  /** The rows to show when the page filters the loaded items itself; all of them when unset. */
  rows?: readonly T[];
  /** Said under the table once loaded when there are no rows; nothing when unset. */
  empty?: string;
  /** With {@link empty}: say it instead of the table (no bare header row). */
  emptyOnly?: boolean;
}

/**
 * The list behind a dashboard page (apps, workers, jobs, logs, users, audit): loads it on
 * connect and on {@link reload} (through a {@link LoadController}: the last rows stay when a
 * refresh fails, late answers are dropped), keeps the page offset of a paged list, reloads a
 * moment after live changes ({@link reloadSoon}), and renders the table with its error line,
 * empty state and pager as one `<oasis-data-table>` ({@link render}). The page keeps what is its
 * own: the heading, filters, forms and the cells of a row.
 */
export class ListController<T> implements ReactiveController {
  /** Offset of the page shown (paged lists; 0 otherwise). */
  offset = 0;
  /**
   * A list paged by cursor: the cursor of each page reached so far, by page number (the first
   * page has none): Previous goes back through them, Next takes the last page's `nextCursor`.
   */
  private cursors: (string | undefined)[] = [undefined];
  private readonly load: LoadController<ListPage<T>>;
  private readonly pageSize: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    options: ListOptions<T>,
  ) {
    this.pageSize = options.pageSize ?? 0;
    this.load = new LoadController(
      host,
      async () => {
        const index = this.pageSize > 0 ? Math.floor(this.offset / this.pageSize) : 0;
        const cursor = this.cursors[index];
        const answer = await options.fetch({ limit: this.pageSize, offset: this.offset, ...(cursor !== undefined && { cursor }) });
        if (!isPage(answer)) return { items: [...answer], total: answer.length };
        if (answer.nextCursor !== undefined) {
          this.cursors.length = index + 1;
          if (answer.nextCursor !== null) this.cursors.push(answer.nextCursor);
        }
        return answer;
      },
      { auto: options.auto },
    );
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
  }

  /** The loaded rows; undefined until the first answer. */
  get items(): readonly T[] | undefined {
    return this.load.value?.items;
  }

  /** How many rows the admin has in all (a paged list's total; the row count otherwise). */
  get total(): number {
    return this.load.value?.total ?? this.load.value?.items.length ?? 0;
  }

  /** A list paged by cursor: whether a next page follows; undefined for other lists. */
  get more(): boolean | undefined {
    const next = this.load.value?.nextCursor;
    return next === undefined ? undefined : next !== null;
  }

  /** A load is under way (a page may disable its Refresh button). */
  get loading(): boolean {
    return this.load.loading;
  }

  /** The last load's failure as one line; '' when it worked. */
  get error(): string {
    return this.load.error;
  }

  /** Loads the current page again; never throws. */
  reload(): Promise<void> {
    clearTimeout(this.timer);
    return this.load.reload();
  }

  /** Loads from `offset` (the pager's choice; by cursor: a page already reached, or the next one). */
  goTo(offset: number): Promise<void> {
    this.offset = offset;
    return this.reload();
  }

  /** Back to the first page and load (the filters changed: the cursors of the old filter are forgotten). */
  restart(): Promise<void> {
    this.cursors = [undefined];
    return this.goTo(0);
  }

  /**
   * Reloads `ms` after the last call: live pushes come in bursts, one reload follows them.
   * Dropped when the host leaves the page.
   */
  reloadSoon(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), ms);
  }

  /** Shows rows pushed by the live channel as if loaded (a whole list). */
  replace(items: readonly T[]): void {
    this.load.value = { items: [...items], total: items.length };
    this.host.requestUpdate();
  }

  /** The page's Refresh button (disabled while loading). */
  refreshButton(): TemplateResult {
    return html`<button class="secondary" type="button" @click=${() => this.reload()} ?disabled=${this.loading}>${t('common.refresh')}</button>`;
  }

  /** The table of the list: error line, header, rows, empty state and, when paged, the pager. */
  render(view: ListView<T>): TemplateResult {
    const rows = view.rows ?? this.items ?? [];
    const empty = this.items !== undefined && rows.length === 0 ? (view.empty ?? '') : '';
    return html`<oasis-data-table
      .error=${this.error}
      .columns=${view.columns}
      .rows=${rows.map((item) => view.row(item))}
      .empty=${empty}
      .emptyOnly=${view.emptyOnly === true}
      .total=${this.total}
      .offset=${this.offset}
      .pageSize=${this.pageSize}
      .more=${this.more}
      @page=${(e: CustomEvent<{ offset: number }>) => void this.goTo(e.detail.offset)}
    ></oasis-data-table>`;
  }
}

function isPage<T>(answer: readonly T[] | ListPage<T>): answer is ListPage<T> {
  return !Array.isArray(answer);
}
