import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { describe, expect, it } from 'vitest';

import { IncidentService } from './incident.service';

describe('incident service', () => {
  function setup(): { service: IncidentService; http: HttpTestingController } {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    return { service: TestBed.inject(IncidentService), http: TestBed.inject(HttpTestingController) };
  }

  it('links a ticket as an incident of the problem it names', () => {
    const { service, http } = setup();
    service.linkIncidents('LUX-2026-000001', ['LUX-2026-000002']).subscribe();
    const call = http.expectOne('/api/v2/tickets/LUX-2026-000001/incidents');
    expect(call.request.method).toBe('POST');
    expect(call.request.body).toEqual({ ticketIds: ['LUX-2026-000002'] });
  });

  it('merges a ticket into the survivor and unlinks by both ids', () => {
    const { service, http } = setup();
    service.merge('LUX-2026-000002', 'LUX-2026-000001').subscribe();
    expect(http.expectOne('/api/v2/tickets/LUX-2026-000002/merge').request.body).toEqual({ into: 'LUX-2026-000001' });
    service.unlink('LUX-2026-000002', 'LUX-2026-000001').subscribe();
    expect(http.expectOne('/api/v2/tickets/LUX-2026-000002/links/LUX-2026-000001').request.method).toBe('DELETE');
  });
});
