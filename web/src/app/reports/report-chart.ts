import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, effect, inject, input, viewChild } from '@angular/core';

/** One series of a chart: bars or a line over the categories. */
export interface ChartSeries {
  name: string;
  type: 'bar' | 'line';
  data: (number | null)[];
  /** On the second (right) axis. */
  right?: boolean;
}

export interface ChartData {
  categories: string[];
  series: ChartSeries[];
}

type ECharts = import('echarts/core').EChartsType;

/** A chart drawn by ECharts (SVG), loaded on first use: the library is never in the initial
 * bundle. Redrawn when its data change, resized with its box. */
@Component({
  selector: 'app-report-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div #box class="h-56 w-full" role="img" [attr.aria-label]="label()" data-testid="report-chart"></div>`,
})
export class ReportChart {
  readonly data = input.required<ChartData>();
  readonly label = input('');
  private readonly box = viewChild.required<ElementRef<HTMLDivElement>>('box');
  private chart: ECharts | null = null;

  constructor() {
    const destroyRef = inject(DestroyRef);
    let observer: ResizeObserver | null = null;
    effect(() => {
      const data = this.data();
      const element = this.box().nativeElement;
      void import('./echarts-setup').then(({ echarts }) => {
        if (!this.chart) {
          this.chart = echarts.init(element, undefined, { renderer: 'svg' });
          if (typeof ResizeObserver !== 'undefined') {
            observer = new ResizeObserver(() => this.chart?.resize());
            observer.observe(element);
          }
        }
        this.chart.setOption(options(data), { notMerge: true });
      });
    });
    destroyRef.onDestroy(() => {
      observer?.disconnect();
      this.chart?.dispose();
    });
  }
}

function options(data: ChartData): Record<string, unknown> {
  const twoAxes = data.series.some((s) => s.right);
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: twoAxes ? 40 : 12, top: 32, bottom: 24 },
    xAxis: { type: 'category', data: data.categories },
    yAxis: twoAxes ? [{ type: 'value' }, { type: 'value' }] : { type: 'value' },
    series: data.series.map((s) => ({
      name: s.name,
      type: s.type,
      data: s.data,
      yAxisIndex: twoAxes && s.right ? 1 : 0,
      connectNulls: true,
    })),
  };
}
