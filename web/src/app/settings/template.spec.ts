import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { RenderedAssistant } from '../core/models';
import { TEMPLATE_PREVIEW_WAIT_MS, TemplateSettings } from './template-settings';
import { typeInto } from '../testing/dom';

const SAVED = 'Eres {assistantName}, asistente de {companyName}.';
const TOOLS = [{ type: 'function', function: { name: 'create_ticket_report' } }];
const PREVIEW = { method: 'POST', url: '/api/v2/config/instructions-template/preview' };

function rendered(instructions: string, unknownVariables: string[] = []): RenderedAssistant & { success: true } {
  return { success: true, instructions, tools: TOOLS, unknownVariables };
}

describe('instructions template page: live preview of the draft', () => {
  let fixture: ComponentFixture<TemplateSettings>;
  let backend: HttpTestingController;
  let page: HTMLElement;

  const find = <T extends HTMLElement>(testId: string) => page.querySelector<T>(`[data-testid="${testId}"]`);
  const shown = () => find('rendered')?.textContent;
  const waiting = () => find('rendered-pending') !== null;

  function open(): void {
    vi.useFakeTimers();
    localStorage.clear();
    localStorage.setItem('uts.language', 'en');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(TemplateSettings);
    fixture.detectChanges();
    backend = TestBed.inject(HttpTestingController);
    page = fixture.nativeElement as HTMLElement;
    backend.expectOne('/api/v2/config/instructions-template').flush({ success: true, template: SAVED });
    fixture.detectChanges();
    const first = backend.expectOne(PREVIEW);
    expect(first.request.body).toEqual({ template: SAVED });
    first.flush(rendered('Eres Lux, asistente de LuxFree.'));
    fixture.detectChanges();
  }

  function type(text: string): void {
    typeInto(fixture, find<HTMLTextAreaElement>('template')!, text);
  }

  function settle(): TestRequest {
    vi.advanceTimersByTime(TEMPLATE_PREVIEW_WAIT_MS);
    fixture.detectChanges();
    return backend.expectOne(PREVIEW);
  }

  afterEach(() => {
    backend.verify();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('renders the stored template as soon as it is loaded', () => {
    open();
    expect(find<HTMLTextAreaElement>('template')?.value).toBe(SAVED);
    expect(shown()).toBe('Eres Lux, asistente de LuxFree.');
    expect(page.textContent).toContain('Tools (1)');
    expect(find('unknown-variables')).toBeNull();
    vi.advanceTimersByTime(TEMPLATE_PREVIEW_WAIT_MS); // the load's own change is not asked twice
    backend.expectNone(PREVIEW);
  });

  it('renders the draft once typing has paused and warns about unknown variables', () => {
    open();
    type('Hola {customerNoun}');
    vi.advanceTimersByTime(TEMPLATE_PREVIEW_WAIT_MS - 1);
    type('Hola {customerNoun}, soy {assistantName} de {oficina} en {ciudad}.');
    vi.advanceTimersByTime(TEMPLATE_PREVIEW_WAIT_MS - 1);
    backend.expectNone(PREVIEW);

    const request = settle();
    expect(request.request.body).toEqual({ template: 'Hola {customerNoun}, soy {assistantName} de {oficina} en {ciudad}.' });
    expect(waiting()).toBe(true);
    expect(shown()).toBe('Eres Lux, asistente de LuxFree.'); // the last render stays while waiting
    request.flush(rendered('Hola cliente, soy Lux de {oficina} en {ciudad}.', ['oficina', 'ciudad']));
    fixture.detectChanges();

    expect(waiting()).toBe(false);
    expect(shown()).toBe('Hola cliente, soy Lux de {oficina} en {ciudad}.');
    const warning = find('unknown-variables');
    expect(warning?.textContent).toContain('These variables are not known and will appear as typed');
    expect([...page.querySelectorAll('[data-testid="unknown-variable"]')].map((e) => e.textContent)).toEqual([
      '{oficina}',
      '{ciudad}',
    ]);
  });

  it('drops a render a newer draft has overtaken', () => {
    open();
    type('Primero {x}');
    const stale = settle();
    type('Segundo');
    const latest = settle();
    expect(stale.cancelled).toBe(true);
    latest.flush(rendered('Segundo'));
    fixture.detectChanges();
    expect(shown()).toBe('Segundo');
    expect(find('unknown-variables')).toBeNull();
  });

  it('does not render a blank draft', () => {
    open();
    type('   \n ');
    vi.advanceTimersByTime(TEMPLATE_PREVIEW_WAIT_MS);
    backend.expectNone(PREVIEW);
    expect(shown()).toBe('Eres Lux, asistente de LuxFree.');
  });

  it('keeps the last render on an error and says why', () => {
    open();
    type('x'.repeat(20));
    settle().flush(
      { success: false, error: 'Invalid input', details: [{ field: 'template', reason: 'String should have at most 50000 characters' }] },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();
    expect(waiting()).toBe(false);
    expect(shown()).toBe('Eres Lux, asistente de LuxFree.');
    expect(find('rendered-error')?.textContent).toContain('String should have at most 50000 characters');

    type('Otra vez');
    settle().flush(rendered('Otra vez'));
    fixture.detectChanges();
    expect(find('rendered-error')).toBeNull();
    expect(shown()).toBe('Otra vez');
  });

  it('saves the draft with PUT /config/instructions-template', () => {
    open();
    type('Nuevo {assistantName}');
    find<HTMLButtonElement>('settings-save')!.click();
    const put = backend.expectOne('/api/v2/config/instructions-template');
    expect(put.request.method).toBe('PUT');
    expect(put.request.body).toEqual({ template: 'Nuevo {assistantName}' });
    put.flush({ success: true, template: 'Nuevo {assistantName}' });
    backend.expectOne('/api/v2/config/console'); // the console's own configuration is refreshed
    settle().flush(rendered('Nuevo Lux'));
  });
});
