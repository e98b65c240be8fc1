import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { toApiError } from './api-error';
import { errorWordingInterceptor, wordedError } from './error-wording';
import { MESSAGES, MessageKey } from './messages';

const es = (key: MessageKey, params: Record<string, string | number> = {}): string =>
  MESSAGES.es[key].replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole));

describe('the server errors in the console language', () => {
  it('words a known reason with its parameters', () => {
    const body = { error: 'Ticket LUX-1 was changed by someone else', reason: 'version_conflict', params: { version: 4, expectedVersion: 3 } };
    expect(wordedError(body, 409, es)).toBe('Alguien cambió este {ticket} (versión 4; tenías la 3). Vuelve a cargarlo.');
    expect(wordedError({ error: 'Invalid credentials', reason: 'invalid_credentials', params: {} }, 401, es)).toBe('Correo o contraseña incorrectos.');
  });

  it('words the status a ticket moved to, and a call nobody answered', () => {
    const moved = { reason: 'status_moved', params: { status: 'in_progress' } };
    expect(wordedError(moved, 409, es)).toContain('«En progreso»');
    expect(wordedError(null, 0, es)).toBe('Sin conexión con el servidor.');
  });

  it('leaves the server text when it knows no reason', () => {
    expect(wordedError({ error: 'subject: too long' }, 422, es)).toBeNull();
    expect(wordedError({ error: 'x', reason: 'something_new' }, 409, es)).toBeNull();
  });

  it('puts the worded text where the screens read it', () => {
    localStorage.clear();
    localStorage.setItem('uts.language', 'es');
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([errorWordingInterceptor])), provideHttpClientTesting()],
    });
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    let message = '';
    http.post('/api/v2/auth/login', {}).subscribe({ error: (error: unknown) => (message = toApiError(error).message) });
    backend
      .expectOne('/api/v2/auth/login')
      .flush({ success: false, error: 'Invalid credentials', reason: 'invalid_credentials', params: {} }, { status: 401, statusText: 'Unauthorized' });
    expect(message).toBe('Correo o contraseña incorrectos.');
  });
});
