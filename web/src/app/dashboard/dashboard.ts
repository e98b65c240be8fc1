import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { ReportCards } from './report-cards';
import { TicketStatsWidget } from './ticket-stats-widget';

/** `/dashboard`: the ticket statistics widget; for admins (who may read reports), the last 30
 * days' SLA attainment and satisfaction, linking to the Reports page. */
@Component({
  selector: 'app-dashboard',
  imports: [TicketStatsWidget, ReportCards],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1 class="mb-4 text-2xl font-semibold text-gray-900">{{ i18n.t('dashboard.title') }}</h1>
    <div class="max-w-3xl space-y-4">
      @if (auth.isAdmin) {
        <app-report-cards />
      }
      <app-ticket-stats-widget />
    </div>
  `,
})
export class Dashboard {
  protected readonly i18n = inject(I18nService);
  protected readonly auth = inject(AuthService);
}
