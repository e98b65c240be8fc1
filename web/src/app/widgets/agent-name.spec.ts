import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { AgentProfile, DirectoryEntry } from '../core/models';
import { AgentName } from './agent-name';

const ME: AgentProfile = {
  id: 'a1',
  email: 'ana@example.com',
  firstName: 'Ana',
  lastName: 'Ruiz',
  role: 'agent',
  active: true,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: null,
};
const DIRECTORY: DirectoryEntry[] = [{ id: 'a1', firstName: 'Ana', lastName: 'Ruiz', role: 'agent', active: true }];

/** Signed in, with the directory answered: the name shown for `id` given the `known` one. */
function shown(id: string, known: string | null): string {
  localStorage.setItem('uts.token', 'token');
  localStorage.setItem('uts.agent', JSON.stringify(ME));
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const fixture = TestBed.createComponent(AgentName);
  fixture.componentRef.setInput('id', id);
  fixture.componentRef.setInput('known', known);
  TestBed.inject(HttpTestingController).expectOne('/api/v2/agents').flush({ success: true, agents: DIRECTORY });
  fixture.detectChanges();
  return fixture.nativeElement.textContent.trim();
}

describe('agent name', () => {
  afterEach(() => localStorage.clear());

  it('names a listed agent from the directory', () => {
    expect(shown('a1', 'Ana (old name)')).toBe('Ana Ruiz');
  });

  it('shows the name the answer carried for an author the directory does not list', () => {
    expect(shown('token:t1', 'CRM sync (API token)')).toBe('CRM sync (API token)');
  });

  it('falls back to the start of the id when nobody named it', () => {
    expect(shown('9f3c2a1b-7777-4444-8888-000000000000', null)).toBe('9f3c2a1b');
  });
});
