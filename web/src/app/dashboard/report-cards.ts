import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { catchError, map, of, startWith, switchMap } from 'rxjs';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { formatAverage, formatCount, formatShare } from '../reports/report-format';
import { DEFAULT_REPORT, periodOf, todayIn } from '../reports/report-query';
import { Report, ReportService } from '../reports/report.service';
import { REPORT_MESSAGES, ReportKey } from '../reports/reports.messages';

type Shown = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; report: Report };

/** The dashboard's SLA attainment (first response, resolution) and satisfaction over the last
 * 30 days, in the SLA calendar's zone; each links to the Reports page (admins). */
@Component({
  selector: 'app-report-cards',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rounded-lg border border-gray-200 bg-white p-4" data-testid="report-cards">
      <div class="mb-3 flex items-center justify-between gap-2">
        <h2 class="text-sm font-semibold text-gray-900">{{ t('dashboard.reportTitle') }}</h2>
        <a routerLink="/reports" class="text-xs font-medium text-indigo-700 hover:underline">{{ t('dashboard.openReports') }}</a>
      </div>
      @switch (shown().state) {
        @case ('loading') {
          <p class="text-sm text-gray-500">{{ t('reports.loading') }}</p>
        }
        @case ('error') {
          <p class="text-sm text-red-700" role="alert">{{ t('reports.error', { message: errorMessage() }) }}</p>
        }
        @case ('ready') {
          @if (report(); as r) {
            <div class="grid gap-4 sm:grid-cols-3">
              <a routerLink="/reports" class="block rounded-md p-2 hover:bg-gray-50" data-card="first-response">
                <span class="block text-xs font-semibold uppercase tracking-wide text-gray-500">{{ t('dashboard.firstResponseSla') }}</span>
                <span class="text-2xl font-semibold tabular-nums text-gray-900" data-figure="fr-attainment">{{ share(r.totals.firstResponseSla.attainment) }}</span>
                <span class="block text-xs text-gray-500">{{ n(r.totals.firstResponseSla.met) }} / {{ n(r.totals.firstResponseSla.met + r.totals.firstResponseSla.breached) }}</span>
              </a>
              <a routerLink="/reports" class="block rounded-md p-2 hover:bg-gray-50" data-card="resolution">
                <span class="block text-xs font-semibold uppercase tracking-wide text-gray-500">{{ t('dashboard.resolutionSla') }}</span>
                <span class="text-2xl font-semibold tabular-nums text-gray-900" data-figure="res-attainment">{{ share(r.totals.resolutionSla.attainment) }}</span>
                <span class="block text-xs text-gray-500">{{ n(r.totals.resolutionSla.met) }} / {{ n(r.totals.resolutionSla.met + r.totals.resolutionSla.breached) }}</span>
              </a>
              <a routerLink="/reports" class="block rounded-md p-2 hover:bg-gray-50" data-card="satisfaction">
                <span class="block text-xs font-semibold uppercase tracking-wide text-gray-500">{{ t('dashboard.satisfaction') }}</span>
                <span class="text-2xl font-semibold tabular-nums text-gray-900" data-figure="rating-average">{{ average(r.satisfaction.average) }} ★</span>
                <span class="block text-xs text-gray-500" data-figure="rating-summary">{{ t('dashboard.ratingsCount', { count: n(r.satisfaction.count), share: share(r.satisfaction.satisfiedShare) }) }}</span>
              </a>
            </div>
          }
        }
      }
    </section>
  `,
})
export class ReportCards {
  protected readonly i18n = inject(I18nService);
  private readonly reports = inject(ReportService);

  protected readonly shown = toSignal(
    this.reports.timeZone().pipe(
      switchMap((zone) => this.reports.get(DEFAULT_REPORT, periodOf(DEFAULT_REPORT, todayIn(zone))!, zone)),
      map((report): Shown => ({ state: 'ready', report })),
      catchError((error: unknown) => of<Shown>({ state: 'error', message: toApiError(error).message })),
      startWith<Shown>({ state: 'loading' }),
    ),
    { initialValue: { state: 'loading' } as Shown },
  );
  protected readonly report = computed(() => {
    const shown = this.shown();
    return shown.state === 'ready' ? shown.report : null;
  });
  protected readonly errorMessage = computed(() => {
    const shown = this.shown();
    return shown.state === 'error' ? shown.message : '';
  });

  protected t(key: ReportKey, params: Record<string, string | number> = {}): string {
    return this.i18n.local(REPORT_MESSAGES, key, params);
  }

  protected n(value: number): string {
    return formatCount(value, this.i18n.language());
  }

  protected share(value: number | null | undefined): string {
    return formatShare(value, this.i18n.language());
  }

  protected average(value: number | null | undefined): string {
    return formatAverage(value, this.i18n.language());
  }
}
