import { ChangeDetectionStrategy, Component, OnDestroy, OnInit, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormArray, FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { AgentName } from '../widgets/agent-name';
import { ApiToken, ApiTokensService, SCOPES, Scope } from './api-tokens.service';
import { NAME_MAX, atLeastOne, notBlank } from './form-rules';
import { SaveState, SaveStatus } from './save-state';
import { OnceSecret, SecretOnceBox } from './secret-once';

/** One checkbox per scope, in `SCOPES` order. */
export function scopeFlags(scopes: readonly string[] = []): boolean[] {
  return SCOPES.map((scope) => scopes.includes(scope));
}

/** The ticked scopes, in `SCOPES` order. */
export function toScopes(flags: readonly boolean[]): Scope[] {
  return SCOPES.filter((_, i) => flags[i]);
}

/** The create form: a name (what the token is for) and at least one scope. */
export function apiTokenForm() {
  return new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: [notBlank, Validators.maxLength(NAME_MAX)] }),
    scopes: new FormArray(
      scopeFlags().map((flag) => new FormControl(flag, { nonNullable: true })),
      { validators: atLeastOne },
    ),
  });
}

export type ApiTokenForm = ReturnType<typeof apiTokenForm>;

/** The body of `POST /api-tokens`. */
export function newApiToken(form: ApiTokenForm): { name: string; scopes: Scope[] } {
  const { name, scopes } = form.getRawValue();
  return { name: name.trim(), scopes: toScopes(scopes) };
}

export function scopeLabel(scope: Scope): MessageKey {
  return `scope.${scope}.label`;
}

export function scopeHint(scope: Scope): MessageKey {
  return `scope.${scope}.hint`;
}

const INPUT = 'mt-1 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm';
const CELL = 'px-3 py-2 align-top';

/** `/settings/api-tokens`: tokens for integrating systems; create one (shown once), revoke. */
@Component({
  selector: 'app-api-tokens-settings',
  imports: [ReactiveFormsModule, AgentName, SaveStatus, SecretOnceBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="space-y-4">
      <p class="max-w-3xl text-sm text-gray-600">{{ i18n.t('apiTokens.intro') }}</p>
      <app-secret-once [secret]="secret" [title]="i18n.t('apiTokens.createdTitle', { name: secret.shown()?.label ?? '' })" [note]="i18n.t('apiTokens.once')" />

      <div class="grid gap-4 lg:grid-cols-3">
        <div class="space-y-2 lg:col-span-2">
          @if (loadError()) {
            <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">{{ loadError() }}</p>
          }
          <app-save-status [state]="revokeState" [savedText]="i18n.t('apiTokens.revokedDone')" />
          <div class="overflow-x-auto rounded-lg border border-gray-200 bg-white">
            <table class="min-w-full divide-y divide-gray-200 text-sm" data-testid="api-tokens">
              <thead class="bg-gray-50 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
                <tr>
                  <th scope="col" class="px-3 py-2">{{ i18n.t('apiTokens.name') }}</th>
                  <th scope="col" class="px-3 py-2">{{ i18n.t('apiTokens.scopes') }}</th>
                  <th scope="col" class="px-3 py-2">{{ i18n.t('apiTokens.created') }}</th>
                  <th scope="col" class="px-3 py-2">{{ i18n.t('apiTokens.lastUsed') }}</th>
                  <th scope="col" class="px-3 py-2">{{ i18n.t('apiTokens.state') }}</th>
                  <th scope="col" class="px-3 py-2"><span class="sr-only">{{ i18n.t('ticket.actions') }}</span></th>
                </tr>
              </thead>
              <tbody class="divide-y divide-gray-100">
                @for (token of tokens(); track token.id) {
                  <tr [class.opacity-60]="token.revokedAt" data-testid="api-token-row" [attr.data-token-id]="token.id" [attr.data-revoked]="token.revokedAt ? 'true' : 'false'">
                    <td [class]="cell + ' font-medium text-gray-900'">{{ token.name }}</td>
                    <td [class]="cell">
                      <span class="flex flex-wrap gap-1">
                        @for (scope of token.scopes; track scope) {
                          <span class="rounded bg-indigo-50 px-1.5 py-0.5 font-mono text-xs text-indigo-800" [title]="i18n.t(hint(scope))">{{ scope }}</span>
                        }
                      </span>
                    </td>
                    <td [class]="cell + ' text-gray-700'"><span [title]="i18n.dateTime(token.createdAt)">{{ i18n.ago(token.createdAt) }}</span><br /><span class="text-xs text-gray-500"><app-agent-name [id]="token.createdBy" /></span></td>
                    <td [class]="cell + ' text-gray-700'" [title]="i18n.dateTime(token.lastUsedAt)">{{ token.lastUsedAt ? i18n.ago(token.lastUsedAt) : i18n.t('apiTokens.never') }}</td>
                    <td [class]="cell">
                      @if (token.revokedAt) {
                        <span class="rounded-full bg-gray-100 px-2 py-0.5 text-xs text-gray-700" [title]="i18n.dateTime(token.revokedAt)" data-testid="api-token-state">{{ i18n.t('apiTokens.revokedAgo', { when: i18n.ago(token.revokedAt) }) }}</span>
                      } @else {
                        <span class="rounded-full bg-green-50 px-2 py-0.5 text-xs text-green-800" data-testid="api-token-state">{{ i18n.t('apiTokens.active') }}</span>
                      }
                    </td>
                    <td [class]="cell + ' text-right'">
                      @if (!token.revokedAt && confirming() !== token.id) {
                        <button type="button" (click)="confirming.set(token.id)" [disabled]="revokeState.busy()" class="rounded border border-red-200 px-2 py-0.5 text-sm text-red-700 disabled:opacity-50" data-testid="api-token-revoke">{{ i18n.t('apiTokens.revoke') }}</button>
                      }
                    </td>
                  </tr>
                  @if (confirming() === token.id) {
                    <tr>
                      <td colspan="6" class="bg-amber-50 px-3 py-2">
                        <div class="text-sm text-amber-900" role="alertdialog" [attr.aria-label]="token.name">
                          <p>{{ i18n.t('apiTokens.revokeConfirm', { name: token.name }) }}</p>
                          <div class="mt-2 flex gap-2">
                            <button type="button" (click)="revoke(token)" class="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white" data-testid="api-token-revoke-confirm">{{ i18n.t('apiTokens.revoke') }}</button>
                            <button type="button" (click)="confirming.set(null)" class="rounded-md border border-amber-300 bg-white px-3 py-1.5 text-sm">{{ i18n.t('common.cancel') }}</button>
                          </div>
                        </div>
                      </td>
                    </tr>
                  }
                } @empty {
                  <tr><td colspan="6" class="px-3 py-4 text-center text-sm text-gray-500">{{ i18n.t('apiTokens.empty') }}</td></tr>
                }
              </tbody>
            </table>
          </div>
        </div>

        <form [formGroup]="form" (ngSubmit)="create()" class="space-y-3 self-start rounded-lg border border-gray-200 bg-white p-4" data-testid="api-token-form">
          <h2 class="text-sm font-medium text-gray-900">{{ i18n.t('apiTokens.create') }}</h2>
          <label class="block text-sm text-gray-700">{{ i18n.t('apiTokens.name') }}
            <input formControlName="name" [maxlength]="nameMax" [class]="input" [placeholder]="i18n.t('apiTokens.namePlaceholder')" [attr.aria-invalid]="!!createState.reason('name') || null" data-testid="api-token-name" />
            <span class="text-xs text-red-700" role="alert" data-error-for="name">{{ createState.reason('name') }}</span>
          </label>
          <fieldset formArrayName="scopes">
            <legend class="text-sm text-gray-700">{{ i18n.t('apiTokens.scopes') }}</legend>
            <div class="mt-1 space-y-2">
              @for (scope of scopes; track scope; let i = $index) {
                <label class="flex items-start gap-2 text-sm text-gray-800">
                  <input type="checkbox" [formControlName]="i" class="mt-0.5 h-4 w-4 shrink-0 rounded border-gray-300" [attr.data-testid]="'scope-' + scope" />
                  <span><span class="font-medium">{{ i18n.t(label(scope)) }}</span>&ngsp;<code class="text-xs text-gray-500">{{ scope }}</code><br /><span class="text-xs text-gray-600">{{ i18n.t(hint(scope)) }}</span></span>
                </label>
              }
            </div>
            <span class="text-xs text-red-700" role="alert" data-error-for="scopes">{{ createState.reasonUnder('scopes') }}</span>
          </fieldset>
          <button type="submit" [disabled]="createState.busy() || form.invalid" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50" data-testid="api-token-create">{{ i18n.t('apiTokens.create') }}</button>
          <app-save-status [state]="createState" [savedText]="i18n.t('apiTokens.createdDone')" />
        </form>
      </div>
    </div>
  `,
})
export class ApiTokensSettings implements OnInit, OnDestroy {
  protected readonly i18n = inject(I18nService);
  private readonly service = inject(ApiTokensService);
  protected readonly input = INPUT;
  protected readonly cell = CELL;
  protected readonly nameMax = NAME_MAX;
  protected readonly scopes = SCOPES;
  protected readonly tokens = toSignal(this.service.tokens$, { initialValue: [] });
  protected readonly createState = new SaveState();
  protected readonly revokeState = new SaveState();
  protected readonly loadError = signal('');
  protected readonly confirming = signal<string | null>(null);
  /** The new token, shown once: kept only by this page, forgotten on dismiss or leaving. */
  protected readonly secret = new OnceSecret();
  protected readonly form = apiTokenForm();

  ngOnInit(): void {
    this.service.refresh().subscribe({
      next: () => this.loadError.set(''),
      error: (error: unknown) => this.loadError.set(this.i18n.t('common.error', { message: toApiError(error).message })),
    });
  }

  ngOnDestroy(): void {
    this.secret.dismiss();
  }

  protected label(scope: Scope): MessageKey {
    return scopeLabel(scope);
  }

  protected hint(scope: Scope): MessageKey {
    return scopeHint(scope);
  }

  protected create(): void {
    if (this.form.invalid) return;
    const body = newApiToken(this.form);
    this.secret.dismiss();
    this.createState.run(this.service.create(body.name, body.scopes), ({ token, apiToken }) => {
      this.secret.show(token, apiToken.name);
      this.form.reset();
    });
  }

  protected revoke(token: ApiToken): void {
    this.confirming.set(null);
    this.revokeState.run(this.service.revoke(token.id));
  }
}
