import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { TicketSummary } from '../core/models';
import { Now } from '../widgets/now';
import { SLA_CLASSES, Translate, humanDuration, nextDue, slaState } from './sla-view';

/** A list's SLA cell: the time left to the ticket's next due target, counting down ("Quedan
 * 12 min", then "Vencido hace 3 min"), "paused" while the clock is, a dash once nothing is due. */
@Component({
  selector: 'app-sla-left',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (ticket().sla.paused) {
      <span class="whitespace-nowrap text-xs text-gray-500" data-testid="sla-left" data-paused="true">⏸ {{ i18n.t('sla.paused') }}</span>
    } @else if (due(); as at) {
      <time class="whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium tabular-nums" [class]="classes()" [attr.datetime]="at" [title]="i18n.dateTime(at)" [attr.data-overdue]="overdue()" data-testid="sla-left">{{ text() }}</time>
    } @else {
      <span class="text-xs text-gray-400" data-testid="sla-left">—</span>
    }
  `,
})
export class SlaLeft {
  protected readonly i18n = inject(I18nService);
  private readonly now = inject(Now).value;
  readonly ticket = input.required<Pick<TicketSummary, 'sla' | 'status' | 'resolvedAt'>>();

  private readonly t: Translate = (key, params) => this.i18n.t(key, params);
  protected readonly due = computed(() => nextDue(this.ticket()));
  private readonly leftMs = computed(() => {
    const due = this.due();
    return due ? Date.parse(due) - this.now() : 0;
  });
  protected readonly overdue = computed(() => this.leftMs() < 0);
  protected readonly text = computed(() => {
    const time = humanDuration(this.leftMs(), this.t);
    return this.i18n.t(this.overdue() ? 'sla.overdueShort' : 'sla.leftShort', { time });
  });
  protected readonly classes = computed(() => SLA_CLASSES[this.overdue() ? 'breached' : slaState(this.ticket().sla)]);
}
