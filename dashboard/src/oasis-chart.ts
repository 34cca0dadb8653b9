import { LitElement, css, html, type PropertyValues } from 'lit';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';

Chart.register(...registerables);

/**
 * `<oasis-chart>`: one Chart.js chart on a canvas. Set `config` (type, data, options); a new
 * config updates the chart in place (no flicker on live refreshes). `label` names the chart for
 * screen readers; the page also shows the numbers as text.
 */
export class OasisChart extends LitElement {
  static override properties = { config: { attribute: false }, label: {} };
  static override styles = css`
    :host {
      display: block;
      position: relative;
      min-height: 14rem;
    }
  `;
  declare config: ChartConfiguration | null;
  declare label: string;
  private chart: Chart | null = null;
  private chartType = '';

  constructor() {
    super();
    this.config = null;
    this.label = '';
  }

  override render() {
    return html`<canvas role="img" aria-label=${this.label}></canvas>`;
  }

  override updated(changed: PropertyValues<this>): void {
    if (!changed.has('config') || !this.config) return;
    const canvas = this.renderRoot.querySelector('canvas');
    if (!canvas) return;
    const type = (this.config as { type: string }).type;
    if (this.chart && this.chartType === type) {
      this.chart.data = this.config.data;
      if (this.config.options) this.chart.options = this.config.options;
      this.chart.update('none');
    } else {
      this.chart?.destroy();
      this.chartType = type;
      this.chart = new Chart(canvas, { ...this.config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...this.config.options } });
    }
  }

  override disconnectedCallback(): void {
    this.chart?.destroy();
    this.chart = null;
    super.disconnectedCallback();
  }
}

customElements.define('oasis-chart', OasisChart);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-chart': OasisChart;
  }
}
