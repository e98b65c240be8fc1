import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { Sla } from '../core/models';
import { SLA_CLASSES, Translate, slaState, slaStateLabel } from './sla-view';

/** A ticket's SLA state as a coloured pill (ok green, warning amber, breached red, met blue),
 * with "paused" beside it while the clock is paused. */
@Component({
  selector: 'app-sla-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="inline-flex items-center gap-1 whitespace-nowrap" [attr.data-sla-state]="state()" [attr.data-sla-paused]="paused() || null">
      <span class="inline-block rounded-full px-2 py-0.5 text-xs font-medium" [class]="classes()">{{ label() }}</span>
      @if (paused()) {
        <span class="inline-block rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700" data-testid="sla-paused">⏸ {{ i18n.t('sla.paused') }}</span>
      }
    </span>
  `,
})
export class SlaBadge {
  protected readonly i18n = inject(I18nService);
  readonly sla = input.required<Pick<Sla, 'state' | 'paused'> | null | undefined>();
  /** Off in dense lists, where only the state matters. */
  readonly showPaused = input(true);
  protected readonly state = computed(() => slaState(this.sla()));
  private readonly t: Translate = (key, params) => this.i18n.t(key, params);
  protected readonly paused = computed(() => this.showPaused() && this.sla()?.paused === true);
  protected readonly classes = computed(() => SLA_CLASSES[this.state()]);
  protected readonly label = computed(() => this.i18n.t('sla.badge', { state: slaStateLabel(this.state(), this.t) }));
}
