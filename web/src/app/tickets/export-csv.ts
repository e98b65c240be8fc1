import { HttpClient, HttpParams } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';

import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { ToastService } from '../core/toast.service';
import { DEFAULT_FILTERS, ListFilters, toQuery } from './ticket-list.state';
import { listParams } from './ticket.service';

/** Whose tickets an export holds besides the list's filters: one customer's (a customer's
 * page) or one conversation's. */
export interface ExportScope {
  customerId?: string;
  conversationId?: string;
}

/** The query string of `GET /tickets/export` for the list's filters (within `scope`), in the
 * console's language (the export has no pages: every match, newest first). */
export function exportParams(filters: ListFilters, myId: string | null, lang: string, scope: ExportScope = {}): HttpParams {
  const query = { ...toQuery(filters, myId), ...scope, sortBy: undefined, sortOrder: undefined };
  return listParams(query).delete('page').delete('limit').set('lang', lang);
}

/** "Export CSV" beside the ticket list: the file the list's filters select, downloaded. */
@Component({
  selector: 'app-export-csv',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button type="button" class="rounded-md border border-gray-300 px-2 py-1 text-sm" [disabled]="busy()" (click)="download()" data-testid="export-csv">
      {{ busy() ? i18n.t('common.loading') : i18n.t('tickets.exportCsv') }}
    </button>
  `,
})
export class ExportCsv {
  readonly filters = input<ListFilters>(DEFAULT_FILTERS);
  /** Only this customer's tickets (a customer's page). */
  readonly customerId = input<string | undefined>(undefined);
  /** Only this conversation's tickets (a conversation's page). */
  readonly conversationId = input<string | undefined>(undefined);
  protected readonly i18n = inject(I18nService);
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  protected readonly busy = signal(false);

  download(): void {
    const params = exportParams(this.filters(), this.auth.agent?.id ?? null, this.i18n.language(), {
      customerId: this.customerId(),
      conversationId: this.conversationId(),
    });
    this.busy.set(true);
    this.http.get('/api/v2/tickets/export', { params, responseType: 'blob' }).subscribe({
      next: (blob) => {
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = 'tickets.csv';
        link.click();
        URL.revokeObjectURL(url);
        this.busy.set(false);
      },
      error: () => {
        this.toast.show(this.i18n.t('tickets.exportFailed'), 'error');
        this.busy.set(false);
      },
    });
  }
}
