import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { ApiTokensSettings, apiTokenForm, newApiToken, scopeFlags, toScopes } from './api-tokens-settings';
import { ApiToken, ApiTokensService, SCOPES } from './api-tokens.service';
import { OnceSecret } from './secret-once';
import { typeInto } from '../testing/dom';

const SECRET = 'uts_0123456789abcdef0123456789abcdef_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';

const CRM: ApiToken = {
  id: '0123456789abcdef0123456789abcdef',
  name: 'CRM sync',
  scopes: ['tickets:read', 'customers:write'],
  createdAt: '2026-03-02T15:00:00Z',
  createdBy: 'admin-1',
  lastUsedAt: null,
  revokedAt: null,
};

const OLD: ApiToken = {
  ...CRM,
  id: 'fedcba9876543210fedcba9876543210',
  name: 'Old import',
  scopes: ['tickets:write'],
  lastUsedAt: '2026-03-01T10:00:00Z',
  revokedAt: '2026-03-02T09:00:00Z',
};

describe('API token form', () => {
  it('has one checkbox per scope, in order, and sends the ticked ones in that order', () => {
    expect(SCOPES).toEqual(['tickets:read', 'tickets:write', 'customers:write', 'ai:tools']);
    expect(scopeFlags(['ai:tools', 'tickets:read'])).toEqual([true, false, false, true]);
    expect(toScopes([true, false, false, true])).toEqual(['tickets:read', 'ai:tools']);
    expect(toScopes(scopeFlags(CRM.scopes))).toEqual(CRM.scopes);
    expect(scopeFlags(['unknown'])).toEqual([false, false, false, false]);
  });

  it('needs a name (more than spaces, at most 100) and at least one scope', () => {
    const form = apiTokenForm();
    expect(form.valid).toBe(false);
    form.controls.name.setValue('   ');
    form.controls.scopes.setValue([false, true, false, false]);
    expect(form.controls.name.hasError('required')).toBe(true);
    form.controls.name.setValue('x'.repeat(101));
    expect(form.controls.name.hasError('maxlength')).toBe(true);
    form.controls.name.setValue('  CRM sync ');
    expect(form.valid).toBe(true);
    form.controls.scopes.setValue([false, false, false, false]);
    expect(form.controls.scopes.hasError('required')).toBe(true);
    form.controls.scopes.setValue([true, false, true, false]);
    expect(newApiToken(form)).toEqual({ name: 'CRM sync', scopes: ['tickets:read', 'customers:write'] });
  });
});

describe('a secret shown once', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is held until dismissed, then gone', async () => {
    const secret = new OnceSecret();
    expect(secret.shown()).toBeNull();
    expect(await secret.copy()).toBe(false);
    secret.show(SECRET, 'CRM sync');
    expect(secret.shown()).toEqual({ value: SECRET, label: 'CRM sync' });
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    expect(await secret.copy()).toBe(true);
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(secret.copied()).toBe(true);
    secret.dismiss();
    expect(secret.shown()).toBeNull();
    expect(secret.copied()).toBe(false);
    vi.unstubAllGlobals();
  });
});

describe('API tokens page', () => {
  let fixture: ComponentFixture<ApiTokensSettings>;
  let backend: HttpTestingController;
  let page: HTMLElement;

  function open(tokens: ApiToken[] = [CRM, OLD]): void {
    localStorage.clear();
    localStorage.setItem('uts.language', 'en');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(ApiTokensSettings);
    fixture.detectChanges();
    backend = TestBed.inject(HttpTestingController);
    backend.expectOne('/api/v2/api-tokens').flush({ success: true, apiTokens: tokens });
    fixture.detectChanges();
    page = fixture.nativeElement as HTMLElement;
  }

  const find = <T extends HTMLElement>(testId: string) => page.querySelector<T>(`[data-testid="${testId}"]`);

  function type(testId: string, value: string): void {
    typeInto(fixture, find<HTMLInputElement>(testId)!, value);
  }

  function fillAndCreate(): void {
    type('api-token-name', 'Zapier');
    find<HTMLInputElement>('scope-tickets:read')!.click();
    find<HTMLInputElement>('scope-ai:tools')!.click();
    fixture.detectChanges();
    find<HTMLButtonElement>('api-token-create')!.click();
  }

  it('lists the tokens with their scopes, last use and whether they are revoked', () => {
    open();
    const rows = page.querySelectorAll('[data-testid="api-token-row"]');
    expect(rows.length).toBe(2);
    expect(rows[0].textContent).toContain('CRM sync');
    expect(rows[0].textContent).toContain('customers:write');
    expect(rows[0].textContent).toContain('Never');
    expect(rows[0].textContent).toContain('Active');
    expect(rows[1].getAttribute('data-revoked')).toBe('true');
    expect(rows[1].textContent).toContain('Revoked');
    expect(rows[1].querySelector('[data-testid="api-token-revoke"]')).toBeNull();
    expect(page.textContent).toContain('Look up tickets and conversations.');
  });

  it('creates a token and shows it once, in a box to copy, until dismissed', async () => {
    open([]);
    expect(find<HTMLButtonElement>('api-token-create')!.disabled).toBe(true);
    fillAndCreate();
    const post = backend.expectOne('/api/v2/api-tokens');
    expect(post.request.method).toBe('POST');
    expect(post.request.body).toEqual({ name: 'Zapier', scopes: ['tickets:read', 'ai:tools'] });
    const created: ApiToken = { ...CRM, id: 'aaaa', name: 'Zapier', scopes: ['tickets:read', 'ai:tools'] };
    post.flush({ success: true, token: SECRET, apiToken: created }, { status: 201, statusText: 'Created' });
    fixture.detectChanges();

    expect(find<HTMLInputElement>('secret-value')!.value).toBe(SECRET);
    expect(find('secret-once')!.textContent).toContain('Token “Zapier” created');
    expect(find('secret-warning')!.textContent).toContain('you will not see it again');
    expect(page.querySelectorAll('[data-testid="api-token-row"]').length).toBe(1);
    expect(find<HTMLInputElement>('api-token-name')!.value).toBe('');
    // The list the service keeps never holds the token itself.
    const kept = await firstValueFrom(TestBed.inject(ApiTokensService).tokens$);
    expect(JSON.stringify(kept)).not.toContain(SECRET);

    find<HTMLButtonElement>('secret-dismiss')!.click();
    fixture.detectChanges();
    expect(find('secret-once')).toBeNull();
    expect(page.innerHTML).not.toContain(SECRET);
  });

  it("shows a 422 next to the field it names and keeps what was typed", () => {
    open([]);
    fillAndCreate();
    backend.expectOne('/api/v2/api-tokens').flush(
      {
        success: false,
        error: 'Invalid request: name: String should have at most 100 characters',
        details: [
          { field: 'name', reason: 'String should have at most 100 characters' },
          { field: 'scopes.1', reason: 'unknown scope' },
        ],
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();
    expect(page.querySelector('[data-error-for="name"]')?.textContent).toContain('at most 100 characters');
    expect(page.querySelector('[data-error-for="scopes"]')?.textContent).toContain('unknown scope');
    expect(find('secret-once')).toBeNull();
    expect(find<HTMLInputElement>('api-token-name')!.value).toBe('Zapier');
  });

  it('revokes a token only after confirming', () => {
    open();
    find<HTMLButtonElement>('api-token-revoke')!.click();
    fixture.detectChanges();
    backend.expectNone('/api/v2/api-tokens/' + CRM.id);
    expect(page.textContent).toContain('Revoke “CRM sync”?');
    find<HTMLButtonElement>('api-token-revoke-confirm')!.click();
    const request = backend.expectOne('/api/v2/api-tokens/' + CRM.id);
    expect(request.request.method).toBe('DELETE');
    request.flush({ success: true, apiToken: { ...CRM, revokedAt: '2026-03-02T16:00:00Z' } });
    fixture.detectChanges();
    const first = page.querySelector('[data-testid="api-token-row"]')!;
    expect(first.getAttribute('data-revoked')).toBe('true');
  });

  it('forgets a shown token when the page is left', () => {
    open([]);
    fillAndCreate();
    backend.expectOne('/api/v2/api-tokens').flush({ success: true, token: SECRET, apiToken: { ...CRM, name: 'Zapier' } }, { status: 201, statusText: 'Created' });
    fixture.detectChanges();
    const secret = (fixture.componentInstance as unknown as { secret: OnceSecret }).secret;
    expect(secret.shown()?.value).toBe(SECRET);
    fixture.destroy();
    expect(secret.shown()).toBeNull();
  });
});
