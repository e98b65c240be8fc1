import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';

import { I18nService } from '../core/i18n.service';

/** A secret the server answers only once (a new API token, a new webhook's signing secret).
 *
 * It lives only here, in a signal of the page that asked for it: never in a service's state,
 * never in storage, never in a list. Dismissing it (or leaving the page) forgets it for good. */
export class OnceSecret {
  /** The secret, and what it belongs to (a token's or a webhook's name), while shown. */
  readonly shown = signal<{ value: string; label: string } | null>(null);
  readonly copied = signal(false);

  show(value: string, label: string): void {
    this.shown.set({ value, label });
    this.copied.set(false);
  }

  dismiss(): void {
    this.shown.set(null);
    this.copied.set(false);
  }

  /** Copy to the clipboard; without the Clipboard API (plain http), select `box` and copy that. */
  async copy(box?: HTMLInputElement): Promise<boolean> {
    const shown = this.shown();
    if (!shown) return false;
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(shown.value);
    } catch {
      if (!box) return false;
      box.select();
      if (!document.execCommand?.('copy')) return false;
    }
    this.copied.set(true);
    return true;
  }
}

/** The secret in a box to copy, with a clear note that it will not be shown again. */
@Component({
  selector: 'app-secret-once',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'block empty:hidden' },
  template: `
    @if (secret().shown(); as shown) {
      <section class="rounded-lg border-2 border-amber-300 bg-amber-50 p-4" role="region" [attr.aria-label]="title()" data-testid="secret-once">
        <h2 class="text-sm font-semibold text-amber-900">{{ title() }}</h2>
        <p class="mt-1 text-sm font-medium text-amber-900" data-testid="secret-warning">⚠ {{ note() }}</p>
        <div class="mt-2 flex flex-wrap items-stretch gap-2">
          <input #box readonly [value]="shown.value" (focus)="box.select()" class="min-w-0 flex-1 rounded-md border border-amber-300 bg-white px-2 py-1.5 font-mono text-sm text-gray-900" [attr.aria-label]="title()" spellcheck="false" autocomplete="off" data-testid="secret-value" />
          <button type="button" (click)="copy(box)" class="rounded-md bg-amber-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-700" data-testid="secret-copy">{{ secret().copied() ? '✓ ' + i18n.t('secret.copied') : i18n.t('secret.copy') }}</button>
        </div>
        @if (failed()) {
          <p class="mt-1 text-xs text-amber-900" role="status">{{ i18n.t('secret.copyFailed') }}</p>
        }
        <button type="button" (click)="secret().dismiss()" class="mt-3 rounded-md border border-amber-300 bg-white px-3 py-1.5 text-sm font-medium text-amber-900" data-testid="secret-dismiss">{{ i18n.t('secret.dismiss') }}</button>
      </section>
    }
  `,
})
export class SecretOnceBox {
  protected readonly i18n = inject(I18nService);
  readonly secret = input.required<OnceSecret>();
  readonly title = input('');
  readonly note = input('');
  protected readonly failed = signal(false);

  protected async copy(box: HTMLInputElement): Promise<void> {
    this.failed.set(!(await this.secret().copy(box)));
  }
}
