import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink } from '@angular/router';

import { ToastService } from '../core/toast.service';

const KIND: Record<string, string> = {
  info: 'border-blue-200 bg-white text-gray-800',
  success: 'border-green-300 bg-green-50 text-green-900',
  error: 'border-red-300 bg-red-50 text-red-900',
};

@Component({
  selector: 'app-toasts',
  imports: [AsyncPipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="pointer-events-none fixed inset-x-2 bottom-2 z-50 flex flex-col items-end gap-2 sm:inset-x-auto sm:right-4 sm:bottom-4" aria-live="polite">
      @for (toast of toasts.toasts$ | async; track toast.id) {
        <div class="pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg" [class]="kind[toast.kind]" role="status">
          @if (toast.link) {
            <a class="flex-1 underline-offset-2 hover:underline" [routerLink]="toast.link">{{ toast.text }}</a>
          } @else {
            <span class="flex-1">{{ toast.text }}</span>
          }
          <button type="button" class="text-gray-400 hover:text-gray-700" (click)="toasts.dismiss(toast.id)" aria-label="×">×</button>
        </div>
      }
    </div>
  `,
})
export class Toasts {
  protected readonly toasts = inject(ToastService);
  protected readonly kind = KIND;
}
