import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { Attachment } from '../core/models';

/** A ticket's attachments as links (opened apart from the console), each with its type. */
@Component({
  selector: 'app-ticket-attachments',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (attachments().length) {
      <div>
        <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.attachments') }}</h2>
        <ul class="mt-1 space-y-1 text-sm" data-testid="ticket-attachments">
          @for (attachment of attachments(); track $index) {
            <li class="break-all">
              <a [href]="attachment.url" target="_blank" rel="noopener noreferrer" class="text-indigo-700 hover:underline">{{ attachment.url }}</a>
              @if (attachment.type) {
                <span class="text-gray-500"> · {{ attachment.type }}</span>
              }
            </li>
          }
        </ul>
      </div>
    }
  `,
})
export class TicketAttachments {
  protected readonly i18n = inject(I18nService);
  readonly attachments = input.required<Attachment[]>();
}
