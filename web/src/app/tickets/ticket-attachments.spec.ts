import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { Attachment } from '../core/models';
import { TicketAttachments } from './ticket-attachments';

function render(attachments: Attachment[]): HTMLElement {
  localStorage.setItem('uts.language', 'en');
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
  const fixture = TestBed.createComponent(TicketAttachments);
  fixture.componentRef.setInput('attachments', attachments);
  fixture.detectChanges();
  return fixture.nativeElement;
}

const PHOTO: Attachment = { url: 'https://files.example.com/farola.jpg', type: 'image/jpeg', uploadedAt: null, uploadedBy: null };

describe('ticket attachments', () => {
  it('lists each attachment as a link opened apart, with its type', () => {
    const element = render([PHOTO, { ...PHOTO, url: 'https://files.example.com/acta.pdf', type: null }]);
    expect(element.querySelector('h2')?.textContent?.trim()).toBe('Attachments');
    const links = [...element.querySelectorAll('a')];
    expect(links.map((link) => link.getAttribute('href'))).toEqual([PHOTO.url, 'https://files.example.com/acta.pdf']);
    expect(links.every((link) => link.target === '_blank' && link.rel === 'noopener noreferrer')).toBe(true);
    expect(element.querySelectorAll('li')[0].textContent).toContain('image/jpeg');
  });

  it('shows nothing for a ticket without attachments', () => {
    expect(render([]).textContent?.trim()).toBe('');
  });

  it('never makes a script URL a live link', () => {
    const element = render([{ ...PHOTO, url: 'javascript:alert(1)' }]);
    expect(element.querySelector('a')?.getAttribute('href')).toMatch(/^unsafe:/);
  });
});
