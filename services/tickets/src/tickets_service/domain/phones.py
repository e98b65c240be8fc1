"""Phone numbers in E.164, so one customer has one number however it was typed."""

from __future__ import annotations

import phonenumbers

from uts_shared.errors import ValidationFailed


def normalise_phone(raw: str, default_region: str) -> str:
    """'55 1234 5678' (region MX) -> '+525512345678'; WhatsApp's '5215512345678' works too.

    Raises ValidationFailed on anything that is not a valid number.
    """
    text = raw.strip()
    candidates = [text]
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and len(digits) > 10:
        # Bare international numbers (as WhatsApp sends them) carry their country code.
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, default_region.upper())
        except phonenumbers.NumberParseException:
            continue
        national = str(number.national_number)
        if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
            # Mexico dropped the mobile '1' (+52 1 ...) in 2019; WhatsApp ids still carry it.
            number.national_number = int(national[1:])
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationFailed.on("phoneNumber", f"'{raw}' is not a valid phone number")
