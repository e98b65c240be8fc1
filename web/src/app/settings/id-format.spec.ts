import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { TicketIdFormat } from '../core/models';
import { ID_PREVIEW_WAIT_MS, IdFormatSettings } from './id-format-settings';
import { typeInto } from '../testing/dom';

const LUX: TicketIdFormat = { prefix: 'LUX', includeYear: true, padLength: 6, separator: '-' };
const PREVIEW = { method: 'POST', url: '/api/v2/config/ticket-id-format/preview' };

describe('ticket-ID format page: live preview of the next id', () => {
  let fixture: ComponentFixture<IdFormatSettings>;
  let backend: HttpTestingController;
  let page: HTMLElement;

  const find = <T extends HTMLElement>(testId: string) => page.querySelector<T>(`[data-testid="${testId}"]`);
  const shown = () => find('id-preview')?.textContent?.trim();
  const waiting = () => find('id-preview-pending') !== null;

  function open(): void {
    vi.useFakeTimers();
    localStorage.clear();
    localStorage.setItem('uts.language', 'en');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(IdFormatSettings);
    fixture.detectChanges();
    backend = TestBed.inject(HttpTestingController);
    page = fixture.nativeElement as HTMLElement;
    backend.expectOne('/api/v2/config/ticket-id-format').flush({ success: true, format: LUX });
    fixture.detectChanges();
  }

  /** The stored format's preview, asked at once (no wait) and answered. */
  function openWithPreview(nextId = 'LUX-2026-000043'): void {
    open();
    const first = backend.expectOne(PREVIEW);
    expect(first.request.body).toEqual(LUX);
    first.flush({ success: true, nextTicketId: nextId });
    fixture.detectChanges();
  }

  function typePrefix(value: string): void {
    typeInto(fixture, find<HTMLInputElement>('id-prefix')!, value);
  }

  /** The quiet time passes; the one preview request it sends. */
  function settle(): TestRequest {
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS);
    fixture.detectChanges();
    return backend.expectOne(PREVIEW);
  }

  afterEach(() => {
    backend.verify();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('shows the real next id of the stored format as soon as it is loaded', () => {
    open();
    expect(waiting()).toBe(true);
    backend.expectOne(PREVIEW).flush({ success: true, nextTicketId: 'LUX-2026-000043' });
    fixture.detectChanges();
    expect(shown()).toBe('LUX-2026-000043');
    expect(waiting()).toBe(false);
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS); // the load's own change is not asked twice
    backend.expectNone(PREVIEW);
  });

  it('asks with the unsaved form once typing has paused, then shows the answer', () => {
    openWithPreview();
    typePrefix('R');
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS - 100);
    typePrefix('RP');
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS - 100);
    typePrefix('RPT');
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS - 1);
    backend.expectNone(PREVIEW);

    const request = settle();
    expect(request.request.body).toEqual({ ...LUX, prefix: 'RPT' });
    expect(waiting()).toBe(true);
    expect(shown()).toBe('LUX-2026-000043'); // the last answer stays while waiting
    request.flush({ success: true, nextTicketId: 'RPT-2026-000001' });
    fixture.detectChanges();
    expect(shown()).toBe('RPT-2026-000001');
    expect(waiting()).toBe(false);
  });

  it('drops an answer a newer change has overtaken', () => {
    openWithPreview();
    typePrefix('AAA');
    const stale = settle();
    typePrefix('BBB');
    const latest = settle();
    expect(stale.cancelled).toBe(true);
    expect(latest.request.body).toEqual({ ...LUX, prefix: 'BBB' });
    latest.flush({ success: true, nextTicketId: 'BBB-2026-000001' });
    fixture.detectChanges();
    expect(shown()).toBe('BBB-2026-000001');
  });

  it('asks nothing while the form is invalid, and forgets a request the form left behind', () => {
    openWithPreview();
    typePrefix('OK');
    const inFlight = settle();
    typePrefix('not valid');
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS);
    fixture.detectChanges();
    backend.expectNone(PREVIEW);
    expect(inFlight.cancelled).toBe(true);
    expect(waiting()).toBe(false);
    expect(shown()).toBe('LUX-2026-000043');

    typePrefix('');
    vi.advanceTimersByTime(ID_PREVIEW_WAIT_MS);
    backend.expectNone(PREVIEW);
  });

  it('keeps the last good id on an error: a 422 names the field, like a save', () => {
    openWithPreview();
    typePrefix('ABCDEFGH');
    settle().flush(
      { success: false, error: 'Invalid input', details: [{ field: 'prefix', reason: 'String should have at most 16 characters' }] },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();
    expect(shown()).toBe('LUX-2026-000043');
    expect(waiting()).toBe(false);
    expect(page.textContent).toContain('String should have at most 16 characters');
    expect(find('id-preview-error')).toBeNull(); // the field says it

    typePrefix('ABC');
    settle().flush({ success: true, nextTicketId: 'ABC-2026-000001' });
    fixture.detectChanges();
    expect(shown()).toBe('ABC-2026-000001');
    expect(page.textContent).not.toContain('at most 16 characters');
  });

  it('keeps the last good id when the service is away, says so, and asks again for the same form', () => {
    openWithPreview();
    typePrefix('ABC');
    settle().flush({ success: false, error: 'tickets service unavailable' }, { status: 503, statusText: 'Service Unavailable' });
    fixture.detectChanges();
    expect(shown()).toBe('LUX-2026-000043');
    expect(find('id-preview-error')?.textContent).toContain('tickets service unavailable');

    typePrefix('AB');
    typePrefix('ABC');
    const retry = settle();
    expect(retry.request.body).toEqual({ ...LUX, prefix: 'ABC' });
    retry.flush({ success: true, nextTicketId: 'ABC-2026-000001' });
    fixture.detectChanges();
    expect(find('id-preview-error')).toBeNull();
  });

  it('asks again when any part of the format changes (year, digits, separator)', () => {
    openWithPreview();
    find<HTMLInputElement>('id-include-year')!.click();
    fixture.detectChanges();
    const withoutYear = settle();
    expect(withoutYear.request.body).toEqual({ ...LUX, includeYear: false });
    withoutYear.flush({ success: true, nextTicketId: 'LUX-000043' });
    fixture.detectChanges();
    expect(shown()).toBe('LUX-000043');
  });
});
