import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ActivatedRoute, Params, Router, RouterLink } from '@angular/router';
import { BehaviorSubject, catchError, combineLatest, map, of, shareReplay, startWith, switchMap } from 'rxjs';

import { AgentsService } from '../core/agents.service';
import { toApiError } from '../core/api-error';
import { ConfigService, categoryLabel } from '../core/config.service';
import { I18nService } from '../core/i18n.service';
import { ToastService } from '../core/toast.service';
import { PRIORITIES } from '../tickets/ticket-workflow';
import { FilterOption, MultiFilter } from '../widgets/multi-filter';
import { ChartData, ReportChart } from './report-chart';
import { ReportSection } from './report-section';
import { formatAverage, formatCount, formatDay, formatDuration, formatInstant, formatShare } from './report-format';
import { ReportFigure } from '../tickets/ticket-list.state';
import {
  CHANNELS,
  PRESETS,
  Preset,
  ReportFilters,
  ReportKind,
  SOURCES,
  bucketDays,
  periodOf,
  reportFromParams,
  reportToParams,
  ticketsLink,
  todayIn,
} from './report-query';
import { Bucket, Report, ReportService, saveFile } from './report.service';
import { REPORT_MESSAGES, ReportKey } from './reports.messages';

type Period = { from: string; to: string };
/** The counts of a bucket's row, each a link to its tickets. */
const ROW_FIGURES = [
  'created',
  'resolved',
  'reopened',
  'backlog',
  'firstResponded',
  'firstResponseMet',
  'firstResponseBreached',
  'resolutionMet',
  'resolutionBreached',
  'breached',
] as const satisfies readonly ReportFigure[];
type Row = { key: string; label: string; bucket: Bucket; days: Period; total: boolean; links: Record<(typeof ROW_FIGURES)[number], Params> };
type Shown =
  | { state: 'loading' }
  | { state: 'badPeriod' }
  | { state: 'error'; message: string }
  | { state: 'ready'; report: Report; filters: ReportFilters; period: Period; zone: string };

/** `/reports` (admins): a period (presets or custom dates, in the SLA calendar's time zone),
 * grouped by day or week, filtered by agent, category, priority, channel and source, all in the
 * address; times, SLA attainment, volume, agents and satisfaction, each with its CSV; every count
 * is a link to the ticket list of the tickets behind it (`figure`, `figureFrom`, `figureTo` and
 * the report's filters). */
@Component({
  selector: 'app-reports-page',
  imports: [RouterLink, MultiFilter, ReportChart, ReportSection],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="mb-4 flex flex-wrap items-baseline justify-between gap-2">
      <h1 class="text-2xl font-semibold text-gray-900">{{ t('reports.title') }}</h1>
      @if (zone(); as zone) {
        <p class="text-xs text-gray-500" data-testid="report-zone">{{ t('reports.timeZone', { zone }) }}</p>
      }
    </div>

    <div class="mb-4 space-y-3 rounded-lg border border-gray-200 bg-white p-3" role="search">
      <div class="flex flex-wrap items-end gap-3">
        <div>
          <span class="mb-1 block text-xs text-gray-600">{{ t('reports.period') }}</span>
          <div class="inline-flex flex-wrap rounded-md border border-gray-300 p-0.5 text-sm" role="group">
            @for (preset of presets; track preset) {
              <button type="button" class="rounded px-2.5 py-1" [class]="filters().preset === preset ? 'bg-indigo-600 text-white' : 'text-gray-700 hover:bg-gray-100'" [attr.aria-pressed]="filters().preset === preset" (click)="choosePreset(preset)" [attr.data-testid]="'preset-' + preset">{{ t(presetKey(preset)) }}</button>
            }
          </div>
        </div>
        @if (filters().preset === 'custom') {
          <label class="text-xs text-gray-600">{{ t('reports.from') }}
            <input type="date" class="mt-0.5 block rounded-md border border-gray-300 px-2 py-1 text-sm" [value]="filters().from" (change)="set({ from: value($event) })" data-testid="report-from" />
          </label>
          <label class="text-xs text-gray-600">{{ t('reports.to') }}
            <input type="date" class="mt-0.5 block rounded-md border border-gray-300 px-2 py-1 text-sm" [value]="filters().to" (change)="set({ to: value($event) })" data-testid="report-to" />
          </label>
        }
        <div>
          <span class="mb-1 block text-xs text-gray-600">{{ t('reports.groupBy') }}</span>
          <div class="inline-flex rounded-md border border-gray-300 p-0.5 text-sm" role="group">
            @for (group of groups; track group) {
              <button type="button" class="rounded px-2.5 py-1" [class]="filters().groupBy === group ? 'bg-indigo-600 text-white' : 'text-gray-700 hover:bg-gray-100'" [attr.aria-pressed]="filters().groupBy === group" (click)="set({ groupBy: group })" [attr.data-testid]="'group-' + group">{{ t(group === 'day' ? 'reports.day' : 'reports.week') }}</button>
            }
          </div>
        </div>
      </div>
      <div class="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-5">
        <div class="text-xs text-gray-600">{{ t('reports.agent') }}
          <app-multi-filter [label]="t('reports.agent')" [options]="agentOptions()" [selected]="filters().agent" [anyLabel]="t('reports.any')" (changed)="set({ agent: $event })" data-testid="report-filter-agent" />
        </div>
        <div class="text-xs text-gray-600">{{ t('reports.category') }}
          <app-multi-filter [label]="t('reports.category')" [options]="categoryOptions()" [selected]="filters().category" [anyLabel]="t('reports.any')" (changed)="set({ category: $event })" data-testid="report-filter-category" />
        </div>
        <div class="text-xs text-gray-600">{{ t('reports.priority') }}
          <app-multi-filter [label]="t('reports.priority')" [options]="priorityOptions()" [selected]="filters().priority" [anyLabel]="t('reports.any')" (changed)="set({ priority: $any($event) })" data-testid="report-filter-priority" />
        </div>
        <div class="text-xs text-gray-600">{{ t('reports.channel') }}
          <app-multi-filter [label]="t('reports.channel')" [options]="channelOptions()" [selected]="filters().channel" [anyLabel]="t('reports.any')" (changed)="set({ channel: $event })" data-testid="report-filter-channel" />
        </div>
        <div class="text-xs text-gray-600">{{ t('reports.source') }}
          <app-multi-filter [label]="t('reports.source')" [options]="sourceOptions()" [selected]="filters().source" [anyLabel]="t('reports.any')" (changed)="set({ source: $event })" data-testid="report-filter-source" />
        </div>
      </div>
    </div>

    @switch (shown().state) {
      @case ('loading') {
        <p class="text-gray-500" role="status" data-testid="report-loading">{{ t('reports.loading') }}</p>
      }
      @case ('badPeriod') {
        <p class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" role="alert" data-testid="report-bad-period">{{ t('reports.badPeriod') }}</p>
      }
      @case ('error') {
        <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="report-error">
          {{ t('reports.error', { message: errorMessage() }) }}
          <button type="button" class="ml-2 font-medium underline" (click)="reload$.next()">{{ t('reports.retry') }}</button>
        </p>
      }
      @case ('ready') {
        @if (ready(); as r) {
          @if (isEmpty(r.report)) {
            <p class="mb-4 rounded-lg border border-dashed border-gray-300 bg-white p-6 text-center text-gray-500" data-testid="report-empty">{{ t('reports.empty') }}</p>
          }

          <!-- Times -->
          <app-report-section name="times" [title]="t('reports.times')" [exportLabel]="t('reports.exportCsv')" [busy]="exporting() === 'times'" (exported)="exportCsv('times', r)">
            <p class="mb-3 text-xs text-gray-500">{{ t('reports.timesHint') }}</p>
            <app-report-chart [data]="timesChart()" [label]="t('reports.chartTimes')" />
            <div class="mt-3 overflow-x-auto">
              <table class="w-full text-right text-sm tabular-nums">
                <thead class="text-xs text-gray-500">
                  <tr><th></th><th colspan="5" class="text-center">{{ t('reports.firstResponse') }}</th><th colspan="5" class="text-center">{{ t('reports.resolution') }}</th></tr>
                  <tr>
                    <th class="text-left">{{ t('reports.bucket') }}</th>
                    @for (side of [0, 1]; track side) {
                      <th>{{ t('reports.count') }}</th><th>{{ t('reports.median') }}</th><th>{{ t('reports.p90') }}</th><th>{{ t('reports.businessMedian') }}</th><th>{{ t('reports.businessP90') }}</th>
                    }
                  </tr>
                </thead>
                <tbody>
                  @for (row of rows(); track row.key) {
                    <tr class="border-t border-gray-100" [class.font-semibold]="row.total" [attr.data-bucket]="row.key">
                      <td class="py-1 text-left">{{ row.label }}</td>
                      <td data-figure="fr-count"><a routerLink="/tickets" [queryParams]="row.links.firstResponded" class="text-indigo-700 hover:underline">{{ n(row.bucket.firstResponse.count) }}</a></td>
                      <td data-figure="fr-median">{{ d(row.bucket.firstResponse.medianMs) }}</td>
                      <td data-figure="fr-p90">{{ d(row.bucket.firstResponse.p90Ms) }}</td>
                      <td data-figure="fr-business-median">{{ d(row.bucket.firstResponse.businessMedianMs) }}</td>
                      <td data-figure="fr-business-p90">{{ d(row.bucket.firstResponse.businessP90Ms) }}</td>
                      <td data-figure="res-count"><a routerLink="/tickets" [queryParams]="row.links.resolved" class="text-indigo-700 hover:underline">{{ n(row.bucket.resolution.count) }}</a></td>
                      <td data-figure="res-median">{{ d(row.bucket.resolution.medianMs) }}</td>
                      <td data-figure="res-p90">{{ d(row.bucket.resolution.p90Ms) }}</td>
                      <td data-figure="res-business-median">{{ d(row.bucket.resolution.businessMedianMs) }}</td>
                      <td data-figure="res-business-p90">{{ d(row.bucket.resolution.businessP90Ms) }}</td>
                    </tr>
                  }
                </tbody>
              </table>
            </div>
          </app-report-section>

          <!-- SLA -->
          <app-report-section name="sla" [title]="t('reports.sla')" [exportLabel]="t('reports.exportCsv')" [busy]="exporting() === 'times'" (exported)="exportCsv('times', r)">
            <p class="mb-3 text-xs text-gray-500">{{ t('reports.slaHint') }}</p>
            <div class="mb-3 flex flex-wrap gap-6">
              <div><span class="block text-xs text-gray-500">{{ t('reports.firstResponse') }}</span><span class="text-2xl font-semibold tabular-nums" data-figure="fr-attainment">{{ share(r.report.totals.firstResponseSla.attainment) }}</span></div>
              <div><span class="block text-xs text-gray-500">{{ t('reports.resolution') }}</span><span class="text-2xl font-semibold tabular-nums" data-figure="res-attainment">{{ share(r.report.totals.resolutionSla.attainment) }}</span></div>
              <div><span class="block text-xs text-gray-500">{{ t('reports.breaches') }}</span><a routerLink="/tickets" [queryParams]="periodLinks().breached" [title]="eventsHint()" class="text-2xl font-semibold tabular-nums text-indigo-700 hover:underline" data-figure="breaches">{{ n(r.report.totals.breaches) }}</a></div>
            </div>
            <a routerLink="/tickets" [queryParams]="periodLinks().breachedNow" class="mb-3 inline-block text-sm text-indigo-700 hover:underline" data-testid="breached-link">{{ t('reports.breachedLink') }}</a>
            <div class="overflow-x-auto">
              <table class="w-full text-right text-sm tabular-nums">
                <thead class="text-xs text-gray-500">
                  <tr><th></th><th colspan="3" class="text-center">{{ t('reports.firstResponse') }}</th><th colspan="3" class="text-center">{{ t('reports.resolution') }}</th><th></th></tr>
                  <tr>
                    <th class="text-left">{{ t('reports.bucket') }}</th>
                    @for (side of [0, 1]; track side) {
                      <th>{{ t('reports.met') }}</th><th>{{ t('reports.breachedCol') }}</th><th>{{ t('reports.attainment') }}</th>
                    }
                    <th>{{ t('reports.breaches') }}</th>
                  </tr>
                </thead>
                <tbody>
                  @for (row of rows(); track row.key) {
                    <tr class="border-t border-gray-100" [class.font-semibold]="row.total" [attr.data-bucket]="row.key">
                      <td class="py-1 text-left">{{ row.label }}</td>
                      <td data-figure="fr-met"><a routerLink="/tickets" [queryParams]="row.links.firstResponseMet" class="text-indigo-700 hover:underline">{{ n(row.bucket.firstResponseSla.met) }}</a></td>
                      <td data-figure="fr-breached"><a routerLink="/tickets" [queryParams]="row.links.firstResponseBreached" class="text-indigo-700 hover:underline">{{ n(row.bucket.firstResponseSla.breached) }}</a></td>
                      <td>{{ share(row.bucket.firstResponseSla.attainment) }}</td>
                      <td data-figure="res-met"><a routerLink="/tickets" [queryParams]="row.links.resolutionMet" class="text-indigo-700 hover:underline">{{ n(row.bucket.resolutionSla.met) }}</a></td>
                      <td data-figure="res-breached"><a routerLink="/tickets" [queryParams]="row.links.resolutionBreached" class="text-indigo-700 hover:underline">{{ n(row.bucket.resolutionSla.breached) }}</a></td>
                      <td>{{ share(row.bucket.resolutionSla.attainment) }}</td>
                      <td data-figure="breached"><a routerLink="/tickets" [queryParams]="row.links.breached" [title]="eventsHint()" class="text-indigo-700 hover:underline">{{ n(row.bucket.breaches) }}</a></td>
                    </tr>
                  }
                </tbody>
              </table>
            </div>
          </app-report-section>

          <!-- Volume -->
          <app-report-section name="volume" [title]="t('reports.volume')" [exportLabel]="t('reports.exportCsv')" [busy]="exporting() === 'volume'" (exported)="exportCsv('volume', r)">
            <app-report-chart [data]="volumeChart()" [label]="t('reports.chartVolume')" />
            <div class="mt-3 overflow-x-auto">
              <table class="w-full text-right text-sm tabular-nums">
                <thead class="text-xs text-gray-500">
                  <tr><th class="text-left">{{ t('reports.bucket') }}</th><th>{{ t('reports.created') }}</th><th>{{ t('reports.resolved') }}</th><th>{{ t('reports.reopened') }}</th><th>{{ t('reports.backlog') }}</th></tr>
                </thead>
                <tbody>
                  @for (row of rows(); track row.key) {
                    <tr class="border-t border-gray-100" [class.font-semibold]="row.total" [attr.data-bucket]="row.key">
                      <td class="py-1 text-left">{{ row.label }}</td>
                      <td data-figure="created"><a routerLink="/tickets" [queryParams]="row.links.created" class="text-indigo-700 hover:underline">{{ n(row.bucket.created) }}</a></td>
                      <td data-figure="resolved"><a routerLink="/tickets" [queryParams]="row.links.resolved" class="text-indigo-700 hover:underline">{{ n(row.bucket.resolved) }}</a></td>
                      <td data-figure="reopened"><a routerLink="/tickets" [queryParams]="row.links.reopened" [title]="eventsHint()" class="text-indigo-700 hover:underline">{{ n(row.bucket.reopened) }}</a></td>
                      <td data-figure="backlog"><a routerLink="/tickets" [queryParams]="row.links.backlog" class="text-indigo-700 hover:underline">{{ n(row.bucket.backlog) }}</a></td>
                    </tr>
                  }
                </tbody>
              </table>
            </div>
          </app-report-section>

          <!-- Agents -->
          <app-report-section name="agents" [title]="t('reports.agents')" [exportLabel]="t('reports.exportCsv')" [busy]="exporting() === 'agents'" (exported)="exportCsv('agents', r)">
            @if (r.report.agents.length === 0) {
              <p class="text-sm text-gray-500">{{ t('reports.noAgents') }}</p>
            } @else {
              <div class="overflow-x-auto">
                <table class="w-full text-right text-sm tabular-nums">
                  <thead class="text-xs text-gray-500">
                    <tr><th class="text-left">{{ t('reports.agent') }}</th><th>{{ t('reports.assigned') }}</th><th>{{ t('reports.resolved') }}</th><th>{{ t('reports.firstResponse') }} · {{ t('reports.median') }}</th><th>{{ t('reports.resolution') }} · {{ t('reports.median') }}</th><th>{{ t('reports.openNow') }}</th></tr>
                  </thead>
                  <tbody>
                    @for (row of agentRows(); track row.agent.agentId) {
                      @let agent = row.agent;
                      <tr class="border-t border-gray-100" [attr.data-agent]="agent.agentId">
                        <td class="py-1 text-left">{{ agent.agentName || agentName(agent.agentId) }}</td>
                        <td data-figure="assigned"><a routerLink="/tickets" [queryParams]="row.links.assigned" class="text-indigo-700 hover:underline">{{ n(agent.assigned) }}</a></td>
                        <td data-figure="resolved"><a routerLink="/tickets" [queryParams]="row.links.resolved" class="text-indigo-700 hover:underline">{{ n(agent.resolved) }}</a></td>
                        <td>{{ d(agent.firstResponse.medianMs) }}</td>
                        <td>{{ d(agent.resolution.medianMs) }}</td>
                        <td data-figure="open"><a routerLink="/tickets" [queryParams]="row.links.open" class="text-indigo-700 hover:underline">{{ n(agent.openNow) }}</a></td>
                      </tr>
                    }
                  </tbody>
                </table>
              </div>
            }
          </app-report-section>

          <!-- Satisfaction -->
          <app-report-section name="satisfaction" [title]="t('reports.satisfaction')" [exportLabel]="t('reports.exportCsv')" [busy]="exporting() === 'satisfaction'" (exported)="exportCsv('satisfaction', r)">
            @let s = r.report.satisfaction;
            <div class="mb-3 flex flex-wrap gap-6">
              <div><span class="block text-xs text-gray-500">{{ t('reports.ratings') }}</span><a routerLink="/tickets" [queryParams]="periodLinks().rated" class="text-2xl font-semibold tabular-nums text-indigo-700 hover:underline" data-figure="rating-count">{{ n(s.count) }}</a></div>
              <div><span class="block text-xs text-gray-500">{{ t('reports.average') }}</span><span class="text-2xl font-semibold tabular-nums" data-figure="rating-average">{{ average(s.average) }}</span></div>
              <div><span class="block text-xs text-gray-500">{{ t('reports.satisfied') }}</span><span class="text-2xl font-semibold tabular-nums" data-figure="rating-satisfied">{{ share(s.satisfiedShare) }}</span></div>
            </div>
            @if (s.count === 0) {
              <p class="text-sm text-gray-500">{{ t('reports.noRatings') }}</p>
            } @else {
              <div class="grid gap-4 lg:grid-cols-2">
                <div>
                  <h3 class="mb-1 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ t('reports.distribution') }}</h3>
                  <app-report-chart [data]="ratingsChart()" [label]="t('reports.distribution')" />
                </div>
                <div>
                  <h3 class="mb-1 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ t('reports.comments') }}</h3>
                  @if (s.comments.length === 0) {
                    <p class="text-sm text-gray-500">{{ t('reports.noComments') }}</p>
                  } @else {
                    <ul class="max-h-64 space-y-2 overflow-y-auto text-sm" data-testid="rating-comments">
                      @for (comment of s.comments; track comment.ticketId + comment.submittedAt) {
                        <li class="rounded-md border border-gray-100 p-2">
                          <div class="flex items-center justify-between gap-2 text-xs text-gray-500">
                            <a [routerLink]="['/tickets', comment.ticketId]" class="font-mono text-indigo-700 hover:underline">{{ comment.ticketId }}</a>
                            <span>{{ '★'.repeat(comment.rating) }} · {{ instant(comment.submittedAt) }}</span>
                          </div>
                          <p class="mt-1 text-gray-800">{{ comment.comment }}</p>
                        </li>
                      }
                    </ul>
                  }
                </div>
              </div>
            }
          </app-report-section>
        }
      }
    }
  `,
})
export class ReportsPage {
  protected readonly i18n = inject(I18nService);
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly reports = inject(ReportService);
  private readonly config = inject(ConfigService);
  private readonly agents = inject(AgentsService);
  private readonly toast = inject(ToastService);

  protected readonly presets = PRESETS;
  protected readonly groups = ['day', 'week'] as const;
  protected readonly reload$ = new BehaviorSubject<void>(undefined);
  protected readonly exporting = signal<ReportKind | null>(null);

  private readonly filters$ = this.route.queryParamMap.pipe(map(reportFromParams));
  protected readonly filters = toSignal(this.filters$, { initialValue: reportFromParams(this.route.snapshot.queryParamMap) });
  private readonly zone$ = this.reports.timeZone().pipe(
    catchError((error: unknown) => of({ error: toApiError(error).message })),
    shareReplay(1),
  );
  protected readonly zone = toSignal(this.zone$.pipe(map((zone) => (typeof zone === 'string' ? zone : null))), { initialValue: null });

  protected readonly shown = toSignal(
    combineLatest([this.filters$, this.zone$, this.reload$]).pipe(
      switchMap(([filters, zone]) => {
        if (typeof zone !== 'string') return of<Shown>({ state: 'error', message: zone.error });
        const period = periodOf(filters, todayIn(zone));
        if (!period) return of<Shown>({ state: 'badPeriod' });
        return this.reports.get(filters, period, zone).pipe(
          map((report): Shown => ({ state: 'ready', report, filters, period, zone })),
          catchError((error: unknown) => of<Shown>({ state: 'error', message: toApiError(error).message })),
          startWith<Shown>({ state: 'loading' }),
        );
      }),
    ),
    { initialValue: { state: 'loading' } as Shown },
  );
  protected readonly ready = computed(() => {
    const shown = this.shown();
    return shown.state === 'ready' ? shown : null;
  });
  protected readonly errorMessage = computed(() => {
    const shown = this.shown();
    return shown.state === 'error' ? shown.message : '';
  });
  /** Each bucket's row, then the period's total; each with the local dates it covers and the
   * list's address of the tickets behind each of its counts. */
  protected readonly rows = computed<Row[]>(() => {
    const r = this.ready();
    if (!r) return [];
    const row = (key: string, label: string, bucket: Bucket, days: Period, total: boolean): Row => {
      const links = Object.fromEntries(ROW_FIGURES.map((kind) => [kind, ticketsLink({ kind, days }, r.filters, r.zone)]));
      return { key, label, bucket, days, total, links: links as Row['links'] };
    };
    return [
      ...r.report.buckets.map((bucket) => row(bucket.start, this.bucketLabel(bucket.start, r.filters.groupBy), bucket, bucketDays(bucket.start, r.filters.groupBy, r.period), false)),
      row('total', this.t('reports.total'), r.report.totals, r.period, true),
    ];
  });

  /** The agents' rows, each with the list's addresses of its assigned, resolved and open now. */
  protected readonly agentRows = computed(() => {
    const r = this.ready();
    if (!r) return [];
    return r.report.agents.map((agent) => ({
      agent,
      links: {
        assigned: ticketsLink({ kind: 'assigned', days: r.period, agent: agent.agentId }, r.filters, r.zone),
        resolved: ticketsLink({ kind: 'resolved', days: r.period, agent: agent.agentId }, r.filters, r.zone),
        open: ticketsLink({ kind: 'open', agent: agent.agentId }, r.filters, r.zone),
      },
    }));
  });

  /** The period's counts outside the tables (breaches, ratings), and the tickets created in the
   * period whose SLA is breached now (a list, not one of the counts). */
  protected readonly periodLinks = computed(() => {
    const r = this.ready();
    if (!r) return { breached: {}, rated: {}, breachedNow: {} };
    const link = (kind: ReportFigure): Params => ticketsLink({ kind, days: r.period }, r.filters, r.zone);
    return { breached: link('breached'), rated: link('rated'), breachedNow: { ...link('created'), sla: 'breached' } };
  });

  /** The title of a count of events: its list holds the tickets they happened to. */
  protected readonly eventsHint = computed(() => this.t('reports.eventsHint'));

  private readonly directory = toSignal(this.agents.agents$, { initialValue: [] });
  private readonly configuration = toSignal(this.config.config$, { initialValue: null });
  protected readonly agentOptions = computed<FilterOption[]>(() =>
    this.directory().map((agent) => ({ value: agent.id, label: `${agent.firstName} ${agent.lastName}`.trim() })),
  );
  protected readonly categoryOptions = computed<FilterOption[]>(() =>
    (this.configuration()?.ticketCategories ?? []).map((c) => ({ value: c.id, label: categoryLabel(c, c.id, this.i18n.language()) })),
  );
  protected readonly priorityOptions = computed<FilterOption[]>(() => PRIORITIES.map((p) => ({ value: p, label: this.i18n.priority(p) })));
  protected readonly channelOptions = computed<FilterOption[]>(() => CHANNELS.map((c) => ({ value: c, label: this.i18n.source(c) })));
  protected readonly sourceOptions = computed<FilterOption[]>(() => SOURCES.map((s) => ({ value: s, label: this.i18n.source(s) })));

  protected readonly volumeChart = computed<ChartData>(() => {
    const r = this.ready();
    const buckets = r?.report.buckets ?? [];
    return {
      categories: buckets.map((b) => this.day(b.start)),
      series: [
        { name: this.t('reports.created'), type: 'bar', data: buckets.map((b) => b.created) },
        { name: this.t('reports.resolved'), type: 'bar', data: buckets.map((b) => b.resolved) },
        { name: this.t('reports.backlog'), type: 'line', data: buckets.map((b) => b.backlog) },
      ],
    };
  });
  protected readonly timesChart = computed<ChartData>(() => {
    const buckets = this.ready()?.report.buckets ?? [];
    const hours = (ms: number | null | undefined): number | null => (ms === null || ms === undefined ? null : Math.round(ms / 36_000) / 100);
    return {
      categories: buckets.map((b) => this.day(b.start)),
      series: [
        { name: this.t('reports.firstResponse'), type: 'line', data: buckets.map((b) => hours(b.firstResponse.medianMs)) },
        { name: this.t('reports.resolution'), type: 'line', data: buckets.map((b) => hours(b.resolution.medianMs)) },
      ],
    };
  });
  protected readonly ratingsChart = computed<ChartData>(() => {
    const byRating = this.ready()?.report.satisfaction.byRating ?? {};
    const ratings = ['1', '2', '3', '4', '5'];
    return {
      categories: ratings.map((n) => this.t('reports.stars', { n })),
      series: [{ name: this.t('reports.ratings'), type: 'bar', data: ratings.map((n) => byRating[n] ?? 0) }],
    };
  });

  protected t(key: ReportKey, params: Record<string, string | number> = {}): string {
    return this.i18n.local(REPORT_MESSAGES, key, params);
  }

  protected presetKey(preset: Preset): ReportKey {
    return `reports.preset.${preset}`;
  }

  /** Change the report by changing the address (a new history entry: back undoes it). */
  protected set(changes: Partial<ReportFilters>): void {
    void this.router.navigate(['/reports'], { queryParams: reportToParams({ ...this.filters(), ...changes }) });
  }

  /** A preset; "custom" starts from the dates shown now. */
  protected choosePreset(preset: Preset): void {
    if (preset !== 'custom') return this.set({ preset, from: '', to: '' });
    const shown = this.ready()?.period;
    const zone = this.zone();
    const period = shown ?? (zone ? periodOf(this.filters(), todayIn(zone)) : null);
    this.set({ preset, from: period?.from ?? '', to: period?.to ?? '' });
  }

  private bucketLabel(start: string, groupBy: 'day' | 'week'): string {
    return groupBy === 'week' ? `${this.day(start)} →` : this.day(start);
  }

  protected exportCsv(kind: ReportKind, r: { filters: ReportFilters; period: Period; zone: string }): void {
    this.exporting.set(kind);
    this.reports.csv(kind, r.filters, r.period, r.zone).subscribe({
      next: (blob) => {
        saveFile(blob, `report-${kind}-${r.period.from}-${r.period.to}.csv`);
        this.exporting.set(null);
      },
      error: () => {
        this.toast.show(this.t('reports.exportFailed'), 'error');
        this.exporting.set(null);
      },
    });
  }

  protected isEmpty(report: Report): boolean {
    const t = report.totals;
    return t.created + t.resolved + t.reopened + t.backlog + t.breaches + t.ratings === 0 && report.agents.length === 0;
  }

  protected agentName(id: string): string {
    return this.agents.name(id);
  }

  protected value(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected n(value: number | null | undefined): string {
    return formatCount(value, this.i18n.language());
  }

  protected d(ms: number | null | undefined): string {
    return formatDuration(ms, this.i18n.language());
  }

  protected share(value: number | null | undefined): string {
    return formatShare(value, this.i18n.language());
  }

  protected average(value: number | null | undefined): string {
    return formatAverage(value, this.i18n.language());
  }

  protected day(start: string): string {
    return formatDay(start, this.i18n.language());
  }

  protected instant(at: string): string {
    return formatInstant(at, this.i18n.language());
  }
}
