import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { ConfigService } from './config.service';
import { I18nService, relativeTime, termsOf } from './i18n.service';
import { ConsoleConfig } from './models';

const RESTAURANT: ConsoleConfig = {
  ticketCategories: [{ id: 'order_issue', label: 'Problema con Pedido', labelEn: 'Order issue', color: '#EF4444', icon: 'shopping-bag', description: null }],
  terminology: {
    ticketSingular: 'caso',
    ticketPlural: 'casos',
    createVerb: 'abrir',
    customerNoun: 'cliente',
    agentNoun: 'operador',
    resolveVerb: 'cerrar',
  },
  ticketIdFormat: { prefix: 'FOOD', includeYear: false, padLength: 6, separator: '-' },
  language: 'es',
  companyName: 'Pizzería Roma',
};

describe('UI text', () => {
  it('is worded with the configured terminology, plural and capitalised forms too', () => {
    const terms = termsOf(RESTAURANT.terminology, 'es');
    expect(terms['Tickets']).toBe('Casos');
    expect(terms['agents']).toBe('operadores');
    expect(terms['customers']).toBe('clientes');
    expect(termsOf({ ...RESTAURANT.terminology, customerNoun: 'guest' }, 'en')['customers']).toBe('guests');
  });

  it('follows the configured language and terms as soon as the configuration arrives', () => {
    localStorage.clear(); // nobody signed in: the test loads the configuration itself
    localStorage.setItem('uts.language', 'en');
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    const i18n = TestBed.inject(I18nService);
    const config = TestBed.inject(ConfigService);
    expect(i18n.t('login.submit')).toBe('Sign in');

    config.load().subscribe();
    TestBed.inject(HttpTestingController).expectOne('/api/v2/config/console').flush({ success: true, configuration: RESTAURANT });
    expect(i18n.language()).toBe('es');
    expect(i18n.t('tickets.title')).toBe('Casos');
    expect(i18n.t('ticket.resolve')).toBe('Cerrar');
    expect(i18n.category('order_issue')).toBe('Problema con Pedido');
    expect(i18n.category('gone')).toBe('gone');
  });

  it('says how long ago in words', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(relativeTime(now - 3 * 60_000, now, 'en')).toBe('3 minutes ago');
    expect(relativeTime(now - 3 * 60_000, now, 'es')).toBe('hace 3 minutos');
    expect(relativeTime(now - 10_000, now, 'en')).toBe('now');
    expect(relativeTime(now - 2 * 86_400_000, now, 'es')).toBe('anteayer');
  });
});
