import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { provideRouter } from '@angular/router';

import { CannedReply } from '../replies/replies.service';
import { CannedReplyPicker, matchReplies, slashWord, spliced } from './canned-reply-picker';

function reply(id: string, title: string, shortcut: string | null, body = `Texto de ${title}`): CannedReply {
  return { id, title, shortcut, body, shared: false, ownerId: 'a1', createdBy: 'a1', createdAt: '2026-03-02T15:00:00Z', updatedAt: '2026-03-02T15:00:00Z' };
}

const REPLIES = [reply('r1', 'Saludo', 'hola'), reply('r2', 'Gracias por esperar', 'gracias'), reply('r3', 'Cuadrilla en camino', null), reply('r4', 'Información pedida', 'info')];

describe('the / word of a canned reply', () => {
  it('is a / at the start of the text or of a word, up to the caret', () => {
    expect(slashWord('/ho', 3)).toEqual({ start: 0, end: 3, query: 'ho' });
    expect(slashWord('Buenas /gra', 11)).toEqual({ start: 7, end: 11, query: 'gra' });
    expect(slashWord('Hola\n/', 6)).toEqual({ start: 5, end: 6, query: '' });
  });

  it('is none inside a word, a URL or after the word ended', () => {
    expect(slashWord('a/b', 3)).toBeNull();
    expect(slashWord('ver https://x.mx/ayuda', 22)).toBeNull();
    expect(slashWord('/hola ', 6)).toBeNull();
    expect(slashWord('sin barra', 9)).toBeNull();
  });

  it('filters by shortcut first, then by title, accents and case ignored', () => {
    expect(matchReplies(REPLIES, 'gra').map((r) => r.id)).toEqual(['r2']);
    expect(matchReplies(REPLIES, 'INFORMACION').map((r) => r.id)).toEqual(['r4']);
    expect(matchReplies(REPLIES, 'in').map((r) => r.id)).toEqual(['r4', 'r3']);
    expect(matchReplies(REPLIES, '').map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(matchReplies(REPLIES, 'zzz')).toEqual([]);
  });

  it('is replaced by the text, the caret after it', () => {
    expect(spliced('Buenas /gra y más', { start: 7, end: 11, query: 'gra' }, 'Gracias')).toEqual({ text: 'Buenas Gracias y más', caret: 14 });
  });
});

@Component({
  imports: [CannedReplyPicker, ReactiveFormsModule],
  template: `<textarea [formControl]="content" appCannedReplies="LUX-2026-000042" data-testid="box"></textarea>`,
})
class Composer {
  readonly content = new FormControl('', { nonNullable: true });
}

describe('the canned reply picker on a textarea', () => {
  let fixture: ComponentFixture<Composer>;
  let backend: HttpTestingController;
  let box: HTMLTextAreaElement;

  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem('uts.language', 'es');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(Composer);
    fixture.detectChanges();
    backend = TestBed.inject(HttpTestingController);
    box = (fixture.nativeElement as HTMLElement).querySelector('textarea')!;
  });

  function type(text: string): void {
    box.value = text;
    box.setSelectionRange(text.length, text.length);
    box.dispatchEvent(new Event('input'));
    fixture.detectChanges();
  }

  const menu = () => (fixture.nativeElement as HTMLElement).querySelector('[data-testid="canned-reply-menu"]');
  const options = () => [...(fixture.nativeElement as HTMLElement).querySelectorAll('[role="option"]')].map((o) => o.getAttribute('data-reply'));

  it('opens on /, filters as one types and inserts the reply rendered for the ticket', () => {
    type('Buenas /');
    backend.expectOne('/api/v2/canned-replies').flush({ success: true, replies: REPLIES });
    fixture.detectChanges();
    expect(menu()).not.toBeNull();
    expect(options()).toEqual(['hola', 'gracias', 'r3', 'info']);

    type('Buenas /gra');
    expect(options()).toEqual(['gracias']);
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    const render = backend.expectOne('/api/v2/canned-replies/r2/render');
    expect(render.request.body).toEqual({ ticketId: 'LUX-2026-000042' });
    render.flush({ success: true, ticketId: 'LUX-2026-000042', text: 'Gracias por esperar, Lucía.', reply: REPLIES[1] });
    fixture.detectChanges();
    expect(fixture.componentInstance.content.value).toBe('Buenas Gracias por esperar, Lucía.');
    expect(menu()).toBeNull();
    backend.verify();
  });

  it('closes on Escape and when the word has no /', () => {
    type('/');
    backend.expectOne('/api/v2/canned-replies').flush({ success: true, replies: REPLIES });
    fixture.detectChanges();
    expect(menu()).not.toBeNull();
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    fixture.detectChanges();
    expect(menu()).toBeNull();
    type('/h');
    expect(options()).toEqual(['hola']);
    type('/h ');
    expect(menu()).toBeNull();
    expect(fixture.componentInstance.content.value).toBe('/h ');
  });
});
