import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { TicketStatus } from '../core/models';

// The plan's badge colours (seed 001 §5 "UI/UX Patterns"); waiting_internal is ours.
export const STATUS_CLASSES: Record<TicketStatus, string> = {
  new: 'bg-gray-100 text-gray-800',
  open: 'bg-blue-100 text-blue-800',
  in_progress: 'bg-yellow-100 text-yellow-800',
  pending_customer: 'bg-purple-100 text-purple-800',
  waiting_internal: 'bg-orange-100 text-orange-800',
  resolved: 'bg-green-100 text-green-800',
  closed: 'bg-gray-200 text-gray-600',
};

/** A ticket's status as a coloured pill. */
@Component({
  selector: 'app-ticket-status-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium" [class]="classes()" [attr.data-status]="status()">{{ label() }}</span>`,
})
export class TicketStatusBadge {
  private readonly i18n = inject(I18nService);
  readonly status = input.required<TicketStatus>();
  protected readonly classes = computed(() => STATUS_CLASSES[this.status()]);
  protected readonly label = computed(() => this.i18n.status(this.status()));
}
