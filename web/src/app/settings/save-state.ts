import { ChangeDetectionStrategy, Component, input, signal } from '@angular/core';
import { Observable } from 'rxjs';

import { ApiError, toApiError } from '../core/api-error';

/** Busy flag, "saved" and the server's error for one settings form. */
export class SaveState {
  readonly busy = signal(false);
  readonly saved = signal(false);
  readonly error = signal<ApiError | null>(null);

  run<T>(request: Observable<T>, done?: (value: T) => void): void {
    this.busy.set(true);
    this.saved.set(false);
    this.error.set(null);
    request.subscribe({
      next: (value) => {
        this.busy.set(false);
        this.saved.set(true);
        setTimeout(() => this.saved.set(false), 3000);
        done?.(value);
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(toApiError(error));
      },
    });
  }

  /** The server's reason for one field (`details[].field`, e.g. `categories.0.id`). */
  reason(field: string): string {
    return this.error()?.details.find((detail) => detail.field === field)?.reason ?? '';
  }

  /** The server's reason for a field or anything inside it (`scopes` also takes `scopes.0`). */
  reasonUnder(field: string): string {
    const inside = `${field}.`;
    return this.error()?.details.find((d) => d.field === field || d.field.startsWith(inside))?.reason ?? '';
  }

  /** Forget the last outcome (a form closed or started over). */
  clear(): void {
    this.saved.set(false);
    this.error.set(null);
  }
}

/** The result line under a settings form. */
@Component({
  selector: 'app-save-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (state().error(); as error) {
      <div class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="settings-error">
        <p>{{ error.message }}</p>
        @if (error.details.length > 1) {
          <ul class="mt-1 list-disc pl-5 text-xs">
            @for (detail of error.details; track $index) {
              <li>{{ detail.field }}: {{ detail.reason }}</li>
            }
          </ul>
        }
      </div>
    } @else if (state().saved()) {
      <p class="text-sm text-green-700" role="status" data-testid="settings-saved">✓ {{ savedText() }}</p>
    }
  `,
})
export class SaveStatus {
  readonly state = input.required<SaveState>();
  readonly savedText = input('');
}
