import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Params, RouterLink } from '@angular/router';
import { BehaviorSubject, catchError, debounceTime, merge, of, switchMap } from 'rxjs';

import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { Priority, TicketStats, TicketStatus } from '../core/models';
import { SocketService } from '../core/socket.service';
import { PriorityMark } from '../tickets/priority-mark';
import { TicketService } from '../tickets/ticket.service';
import { TicketStatusBadge } from '../tickets/ticket-status-badge';
import { PRIORITIES, STATUSES, statsKey } from '../tickets/ticket-workflow';
import { DEFAULT_FILTERS, ListFilters, filtersToParams } from '../tickets/ticket-list.state';

/** Met over decided (met + breached) across priorities; null while none is decided. */
export function slaAttainment(parts: { met?: number; breached?: number }[]): number | null {
  const met = parts.reduce((sum, p) => sum + (p.met ?? 0), 0);
  const decided = met + parts.reduce((sum, p) => sum + (p.breached ?? 0), 0);
  return decided ? met / decided : null;
}

type Scope = 'mine' | 'all';

/** The plan's ticket statistics widget: by status, by priority, escalated, the SLA's attainment
 * (overall and per priority) and its warnings and breaches; mine or all. Live. Every count is a
 * link to the list it counts. */
@Component({
  selector: 'app-ticket-stats-widget',
  imports: [RouterLink, PriorityMark, TicketStatusBadge],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rounded-lg border border-gray-200 bg-white p-4" data-testid="stats-widget">
      <div class="mb-3 flex items-center justify-between gap-2">
        <h2 class="text-sm font-semibold text-gray-900">{{ i18n.t('tickets.title') }}</h2>
        <div class="inline-flex rounded-md border border-gray-300 p-0.5 text-xs" role="group">
          @for (option of scopes; track option) {
            <button type="button" class="rounded px-2.5 py-1" [class]="scope.value === option ? 'bg-indigo-600 text-white' : 'text-gray-700'" [attr.aria-pressed]="scope.value === option" (click)="scope.next(option)">{{ i18n.t(option === 'mine' ? 'dashboard.mine' : 'dashboard.all') }}</button>
          }
        </div>
      </div>
      @if (stats(); as stats) {
        <div class="mb-4 flex flex-wrap items-end gap-x-6 gap-y-2">
          <a routerLink="/tickets" [queryParams]="link({})" class="text-3xl font-semibold text-gray-900 hover:underline" data-stat="total">{{ stats.total }} <span class="text-sm font-normal text-gray-500">{{ i18n.t('common.total') }}</span></a>
          <div data-testid="sla-attainment" class="text-sm text-gray-700">
            <span class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('dashboard.slaAttainment') }}</span>
            <span class="ml-1 text-xl font-semibold tabular-nums text-gray-900">{{ percent(attainment(stats)) }}</span>
          </div>
          <a routerLink="/tickets" [queryParams]="link({ sla: ['warning'] })" class="rounded-full bg-amber-100 px-3 py-1 text-xs font-medium text-amber-800 hover:underline" data-stat="sla-warning">{{ i18n.t('sla.badge', { state: i18n.t('slaState.warning') }) }} <span class="font-semibold">{{ stats.slaWarning }}</span></a>
          <a routerLink="/tickets" [queryParams]="link({ sla: ['breached'] })" class="rounded-full bg-red-100 px-3 py-1 text-xs font-medium text-red-800 hover:underline" data-stat="sla-breached">{{ i18n.t('sla.badge', { state: i18n.t('slaState.breached') }) }} <span class="font-semibold">{{ stats.slaBreached }}</span></a>
        </div>
        <div class="grid gap-6 sm:grid-cols-2">
          <div>
            <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('dashboard.byStatus') }}</h3>
            <ul class="space-y-1.5">
              @for (status of statuses; track status) {
                <li class="flex items-center gap-2 text-sm">
                  <app-ticket-status-badge [status]="status" />
                  <span class="h-1.5 flex-1 overflow-hidden rounded bg-gray-100"><span class="block h-full bg-indigo-400" [style.width.%]="share(stats, status)"></span></span>
                  <a routerLink="/tickets" [queryParams]="link({ status: [status] })" class="w-8 text-right font-medium tabular-nums text-indigo-700 hover:underline" [attr.data-stat]="status">{{ value(stats, status) }}</a>
                </li>
              }
            </ul>
          </div>
          <div>
            <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('dashboard.byPriority') }}</h3>
            <ul class="space-y-1.5">
              @for (priority of priorities; track priority) {
                <li class="flex items-center gap-2 text-sm">
                  <span class="w-24"><app-priority-mark [priority]="priority" /></span>
                  <span class="h-1.5 flex-1 overflow-hidden rounded bg-gray-100"><span class="block h-full bg-indigo-400" [style.width.%]="share(stats, priority)"></span></span>
                  <a routerLink="/tickets" [queryParams]="link({ priority: [priority] })" class="w-8 text-right font-medium tabular-nums text-indigo-700 hover:underline" [attr.data-stat]="priority">{{ value(stats, priority) }}</a>
                </li>
              }
            </ul>
            <h3 class="mb-2 mt-4 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('dashboard.slaByPriority') }}</h3>
            <ul class="space-y-1 text-sm" data-testid="sla-by-priority">
              @for (priority of priorities; track priority) {
                @if (stats.slaByPriority[priority]; as sla) {
                  <li class="flex items-center gap-2" [attr.data-sla-priority]="priority">
                    <span class="w-24"><app-priority-mark [priority]="priority" /></span>
                    <span class="flex-1 tabular-nums font-medium">{{ percent(sla.attainment ?? null) }}</span>
                    <a routerLink="/tickets" [queryParams]="link({ priority: [priority], sla: ['met'] })" class="text-xs text-blue-700 hover:underline">{{ i18n.t('slaState.met') }} {{ sla.met }}</a>
                    <a routerLink="/tickets" [queryParams]="link({ priority: [priority], sla: ['breached'] })" class="text-xs text-red-700 hover:underline">{{ i18n.t('slaState.breached') }} {{ sla.breached }}</a>
                  </li>
                }
              }
            </ul>
            <a routerLink="/tickets" [queryParams]="link({ escalated: true })" data-stat="escalated" class="mt-4 flex items-center justify-between rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
              <span>{{ i18n.t('dashboard.escalated') }}</span><span class="font-semibold">{{ stats.escalated }}</span>
            </a>
          </div>
        </div>
      } @else {
        <p class="text-sm text-gray-500">{{ i18n.t('common.loading') }}</p>
      }
    </section>
  `,
})
export class TicketStatsWidget implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly tickets = inject(TicketService);
  private readonly socket = inject(SocketService);
  private readonly auth = inject(AuthService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly scopes: Scope[] = ['mine', 'all'];
  protected readonly statuses: TicketStatus[] = STATUSES;
  protected readonly priorities: Priority[] = PRIORITIES;
  protected readonly scope = new BehaviorSubject<Scope>('all');
  protected readonly stats = signal<TicketStats | null>(null);

  ngOnInit(): void {
    merge(this.scope, this.socket.ticketEvents().pipe(debounceTime(300)))
      .pipe(
        switchMap(() => {
          const agentId = this.scope.value === 'mine' ? this.auth.agent?.id : undefined;
          return this.tickets.stats(agentId).pipe(catchError(() => of(null)));
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((stats) => this.stats.set(stats));
  }

  /** The list address of a count: its filters, and mine when the widget shows mine. */
  protected link(filters: Partial<ListFilters>): Params {
    const assigned = this.scope.value === 'mine' ? 'me' : 'anyone';
    return filtersToParams({ ...DEFAULT_FILTERS, assigned, ...filters });
  }

  protected attainment(stats: TicketStats): number | null {
    return slaAttainment(Object.values(stats.slaByPriority ?? {}));
  }

  protected percent(share: number | null): string {
    return share === null ? '—' : `${Math.round(share * 1000) / 10} %`;
  }

  protected value(stats: TicketStats, key: string): number {
    return (stats as unknown as Record<string, number>)[statsKey(key)] ?? 0;
  }

  protected share(stats: TicketStats, key: string): number {
    return stats.total ? (100 * this.value(stats, key)) / stats.total : 0;
  }
}
