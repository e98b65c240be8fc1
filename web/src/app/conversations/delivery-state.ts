import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { Message } from '../core/models';

const TONE: Record<Message['delivery'], string> = {
  pending: 'bg-gray-100 text-gray-700',
  sent: 'bg-sky-100 text-sky-800',
  delivered: 'bg-indigo-100 text-indigo-800',
  read: 'bg-green-100 text-green-800',
  failed: 'bg-red-100 text-red-800',
};

/** Where an outbound message is on its way: pending → sent → delivered → read, or failed (why). */
@Component({
  selector: 'app-delivery-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-medium" [class]="tone[message().delivery]" data-testid="delivery" [attr.data-delivery]="message().delivery" [title]="message().deliveryUpdatedAt ? i18n.dateTime(message().deliveryUpdatedAt) : ''">
      {{ i18n.t(label[message().delivery]) }}
      @if (message().delivery === 'failed' && message().deliveryReason) {
        <span class="font-normal">· {{ message().deliveryReason }}</span>
      }
    </span>
  `,
})
export class DeliveryState {
  protected readonly i18n = inject(I18nService);
  readonly message = input.required<Message>();
  protected readonly tone = TONE;
  protected readonly label = {
    pending: 'messageState.pending',
    sent: 'messageState.sent',
    delivered: 'messageState.delivered',
    read: 'messageState.read',
    failed: 'messageState.failed',
  } as const;
}
