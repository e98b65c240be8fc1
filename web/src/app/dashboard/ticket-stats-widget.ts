import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { BehaviorSubject, catchError, debounceTime, merge, of, switchMap } from 'rxjs';

import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { Priority, TicketStats, TicketStatus } from '../core/models';
import { SocketService } from '../core/socket.service';
import { PriorityMark } from '../tickets/priority-mark';
import { TicketService } from '../tickets/ticket.service';
import { TicketStatusBadge } from '../tickets/ticket-status-badge';
import { PRIORITIES, STATUSES, statsKey } from '../tickets/ticket-workflow';

type Scope = 'mine' | 'all';

/** The plan's ticket statistics widget: by status, by priority, escalated; mine or all. Live. */
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
        <p class="mb-4 text-3xl font-semibold text-gray-900">{{ stats.total }} <span class="text-sm font-normal text-gray-500">{{ i18n.t('common.total') }}</span></p>
        <div class="grid gap-6 sm:grid-cols-2">
          <div>
            <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('dashboard.byStatus') }}</h3>
            <ul class="space-y-1.5">
              @for (status of statuses; track status) {
                <li class="flex items-center gap-2 text-sm">
                  <app-ticket-status-badge [status]="status" />
                  <span class="h-1.5 flex-1 overflow-hidden rounded bg-gray-100"><span class="block h-full bg-indigo-400" [style.width.%]="share(stats, status)"></span></span>
                  <span class="w-8 text-right font-medium tabular-nums" [attr.data-stat]="status">{{ value(stats, status) }}</span>
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
                  <span class="w-8 text-right font-medium tabular-nums">{{ value(stats, priority) }}</span>
                </li>
              }
            </ul>
            <a routerLink="/tickets" class="mt-4 flex items-center justify-between rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
              <span>{{ i18n.t('dashboard.escalated') }}</span><span class="font-semibold" data-stat="escalated">{{ stats.escalated }}</span>
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

  protected value(stats: TicketStats, key: string): number {
    return (stats as unknown as Record<string, number>)[statsKey(key)] ?? 0;
  }

  protected share(stats: TicketStats, key: string): number {
    return stats.total ? (100 * this.value(stats, key)) / stats.total : 0;
  }
}
