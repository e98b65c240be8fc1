import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { TicketStatsWidget } from './ticket-stats-widget';

/** `/dashboard`: the ticket statistics widget. */
@Component({
  selector: 'app-dashboard',
  imports: [TicketStatsWidget],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1 class="mb-4 text-2xl font-semibold text-gray-900">{{ i18n.t('dashboard.title') }}</h1>
    <div class="max-w-3xl"><app-ticket-stats-widget /></div>
  `,
})
export class Dashboard {
  protected readonly i18n = inject(I18nService);
}
