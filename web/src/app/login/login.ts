import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { ActivatedRoute, Router } from '@angular/router';

import { toApiError } from '../core/api-error';
import { AuthService, LANDING, safeReturnUrl } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';

/** Sign-in with email and password; says why when a session ended (any 401), then goes where
 * the agent was going (`returnUrl`). */
@Component({
  selector: 'app-login',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="flex min-h-screen items-center justify-center bg-gray-50 px-4">
      <form [formGroup]="form" (ngSubmit)="submit()" class="w-full max-w-sm space-y-4 rounded-xl border border-gray-200 bg-white p-6 shadow-sm">
        <h1 class="text-xl font-semibold text-gray-900">{{ i18n.t('login.title') }}</h1>
        @if (expired) {
          <p class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800" role="alert" data-testid="login-expired">{{ i18n.t('login.expired') }}</p>
        }
        @if (error()) {
          <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="login-error">{{ error() }}</p>
        }
        <label class="block text-sm">
          <span class="font-medium text-gray-700">{{ i18n.t('login.email') }}</span>
          <input type="email" formControlName="email" autocomplete="username" name="email" required class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200 focus:outline-none" />
        </label>
        <label class="block text-sm">
          <span class="font-medium text-gray-700">{{ i18n.t('login.password') }}</span>
          <input type="password" formControlName="password" autocomplete="current-password" name="password" required class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200 focus:outline-none" />
        </label>
        <button type="submit" [disabled]="busy()" class="w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60">{{ i18n.t('login.submit') }}</button>
      </form>
    </div>
  `,
})
export class Login {
  protected readonly i18n = inject(I18nService);
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly query = inject(ActivatedRoute).snapshot.queryParamMap;
  protected readonly expired = this.query.get('reason') === 'expired';
  /** Where the agent was going (a path of this console only). */
  private readonly returnUrl = safeReturnUrl(this.query.get('returnUrl')) ?? LANDING;
  protected readonly busy = signal(false);
  protected readonly error = signal('');

  protected readonly form = new FormGroup({
    email: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    password: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
  });

  protected submit(): void {
    if (this.form.invalid) return;
    const { email, password } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set('');
    this.auth.login(email, password).subscribe({
      next: () => void this.router.navigateByUrl(this.returnUrl),
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(this.i18n.t('login.failed', { message: toApiError(error).message }));
      },
    });
  }
}
