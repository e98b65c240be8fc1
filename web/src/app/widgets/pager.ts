import { ChangeDetectionStrategy, Component, inject, input, output } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { Pagination } from '../core/models';

@Component({
  selector: 'app-pager',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (pagination(); as p) {
      @if (p.pages > 1) {
        <nav class="flex items-center justify-between gap-2 py-3 text-sm" aria-label="pagination">
          <button type="button" class="rounded-md border border-gray-300 bg-white px-3 py-1.5 disabled:opacity-40" [disabled]="p.page <= 1" (click)="go.emit(p.page - 1)">{{ i18n.t('common.previous') }}</button>
          <span class="text-gray-600">{{ i18n.t('common.page', { page: p.page, pages: p.pages }) }}</span>
          <button type="button" class="rounded-md border border-gray-300 bg-white px-3 py-1.5 disabled:opacity-40" [disabled]="p.page >= p.pages" (click)="go.emit(p.page + 1)">{{ i18n.t('common.next') }}</button>
        </nav>
      }
    }
  `,
})
export class Pager {
  protected readonly i18n = inject(I18nService);
  readonly pagination = input<Pagination | null | undefined>(null);
  readonly go = output<number>();
}
