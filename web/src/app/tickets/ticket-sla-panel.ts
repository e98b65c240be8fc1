import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { TicketSummary } from '../core/models';
import { ClockOutcome, ClockView, OUTCOME_CLASSES, Translate, humanDuration, slaClocks, slaRemaining } from './sla-view';

/** The ticket's SLA clocks: time left to the next target (business time), and for first
 * response and resolution the target, when it falls due (local time and "in 2 hours") or when
 * it stopped, and how it stands. The ticket view reloads it on every live event about the
 * ticket, the SLA warnings and breaches included; the relative times tick on their own. */
@Component({
  selector: 'app-ticket-sla-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="rounded-lg border border-gray-200 bg-white p-4" data-testid="sla-panel">
      <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('sla.title') }}</h2>
      @if (remaining()) {
        <p class="mt-2 text-sm font-medium" [class]="overdue() ? 'text-red-700' : 'text-gray-900'" [title]="i18n.t('sla.businessTime')" data-testid="sla-remaining">{{ remaining() }}</p>
      }
      @if (ticket().sla.paused) {
        <p class="mt-1 text-xs text-gray-600" data-testid="sla-paused-since" [title]="i18n.dateTime(ticket().sla.pausedSince)">{{ i18n.t('sla.pausedSince', { when: i18n.ago(ticket().sla.pausedSince) }) }}</p>
      }
      <dl class="mt-3 space-y-3 text-sm">
        @for (clock of clocks(); track clock.clock) {
          <div [attr.data-sla-clock]="clock.clock" [attr.data-outcome]="clock.outcome">
            <dt class="flex items-baseline justify-between gap-2">
              <span class="text-gray-500">{{ i18n.t(clock.clock === 'first_response' ? 'sla.firstResponse' : 'sla.resolution') }}</span>
              <span class="text-xs font-medium" [class]="outcomeClasses[clock.outcome]">{{ outcomeLabel(clock.outcome) }}</span>
            </dt>
            <dd class="mt-0.5">
              @if (clock.doneAt) {
                <span class="text-gray-900" [title]="i18n.dateTime(clock.doneAt)">{{ i18n.t(clock.clock === 'first_response' ? 'sla.responded' : 'sla.resolved', { when: i18n.ago(clock.doneAt) }) }}</span>
              } @else if (clock.dueAt) {
                <span class="block" [class]="isPast(clock.dueAt) ? 'text-red-700' : 'text-gray-900'" data-sla-due>{{ i18n.t(isPast(clock.dueAt) ? 'sla.wasDue' : 'sla.due', { when: i18n.ago(clock.dueAt) }) }}</span>
                <span class="block text-xs text-gray-500"><time [attr.datetime]="clock.dueAt">{{ i18n.dateTime(clock.dueAt) }}</time></span>
              } @else if (ticket().sla.paused && clock.outcome !== 'stopped') {
                <span class="text-gray-500">{{ i18n.t('sla.notDue') }}</span>
              }
              <span class="block text-xs text-gray-500" [title]="i18n.t('sla.businessTime')">{{ i18n.t('sla.target', { time: duration(clock.targetMs) }) }}</span>
            </dd>
          </div>
        }
      </dl>
    </section>
  `,
})
export class TicketSlaPanel {
  protected readonly i18n = inject(I18nService);
  readonly ticket = input.required<Pick<TicketSummary, 'sla' | 'status' | 'resolvedAt'>>();

  private readonly t: Translate = (key, params) => this.i18n.t(key, params);
  protected readonly outcomeClasses = OUTCOME_CLASSES;
  protected readonly clocks = computed<ClockView[]>(() => slaClocks(this.ticket()));
  protected readonly remaining = computed(() => slaRemaining(this.ticket().sla, this.t));
  protected readonly overdue = computed(() => (this.ticket().sla.remainingMs ?? 0) < 0);

  protected duration(ms: number): string {
    return humanDuration(ms, this.t);
  }

  protected outcomeLabel(outcome: ClockOutcome): string {
    return this.i18n.t(`sla.outcome.${outcome}`);
  }

  protected isPast(iso: string): boolean {
    return Date.parse(iso) <= Date.now();
  }
}
