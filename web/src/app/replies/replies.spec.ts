import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { provideRouter } from '@angular/router';

import { I18nService } from '../core/i18n.service';
import { macroOutcome } from '../tickets/ticket-macros';
import { macroActions, tagList } from './replies-page';

const EMPTY = { reply: '', note: '', status: '' as const, statusReason: '', priority: '' as const, addTags: '', removeTags: '', assignee: '' };

describe('a macro form', () => {
  it('sends only the actions chosen, tags as lists', () => {
    expect(tagList(' poste, noche ,, poste ')).toEqual(['poste', 'noche']);
    expect(macroActions({ ...EMPTY, status: 'in_progress', statusReason: 'En camino', priority: 'high', addTags: 'cuadrilla', assignee: 'me', reply: ' Hola {customerName} ' })).toEqual({
      reply: 'Hola {customerName}',
      note: null,
      status: 'in_progress',
      statusReason: 'En camino',
      priority: 'high',
      addTags: ['cuadrilla'],
      removeTags: [],
      assignee: 'me',
    });
  });

  it('is nothing without an action (a reason without a status is none)', () => {
    expect(macroActions(EMPTY)).toBeNull();
    expect(macroActions({ ...EMPTY, statusReason: 'sin estado', reply: '   ' })).toBeNull();
    expect(macroActions({ ...EMPTY, removeTags: 'viejo' })?.removeTags).toEqual(['viejo']);
  });
});

describe('what a macro did', () => {
  function i18n(language: 'es' | 'en'): I18nService {
    localStorage.clear();
    localStorage.setItem('uts.language', language);
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    return TestBed.inject(I18nService);
  }

  it('is worded in Spanish and English, changes in the macro order', () => {
    expect(macroOutcome(i18n('es'), 'En curso', ['status', 'priority', 'note'])).toBe('Macro «En curso» aplicada: estado, prioridad, nota interna.');
    expect(macroOutcome(i18n('en'), 'Going', ['assignee', 'tags'])).toBe('Macro “Going” applied: assignee, tags.');
    expect(macroOutcome(i18n('es'), 'Nada', [])).toBe('Macro «Nada»: no había nada que cambiar.');
  });
});
