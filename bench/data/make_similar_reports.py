"""Writes `similar_reports.json`: Spanish reports labelled with the problem each is about.

Each problem is one fault at one place, reported several times in different words (synonyms,
slang, typos, the place named another way, some with coordinates a few metres apart). The
unrelated reports share words with them: the same fault somewhere else, another fault on the
same street farther along, billing and other questions that say "luz". The file is committed;
this script says how it was made (`uv run python bench/data/make_similar_reports.py`).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("similar_reports.json")
BASE = (19.4326, -99.1332)

# Each fault: how people word it (subject, description), several ways.
FAULTS: dict[str, list[tuple[str, str]]] = {
    "dark": [
        ("Luminaria apagada", "La luminaria no enciende desde hace días"),
        ("Poste sin luz", "El poste no alumbra, está bien oscuro en la noche"),
        ("No prende la lámpara", "la lampara del poste no prende ya van 3 noches"),
        ("Foco fundido", "se fundió el foco del alumbrado, todo oscuro"),
        ("Lampara apagada", "La lámpara lleva apagada toda la semana, está oscurísimo"),
    ],
    "flicker": [
        ("Luz parpadeando", "La luminaria parpadea toda la noche"),
        ("Foco que prende y apaga", "el foco prende y se apaga a cada rato, parpadeo constante"),
        ("Lámpara intermitente", "La lámpara está intermitente, parpadea sin parar"),
        ("Parpadeo del alumbrado", "parpadeando la luz del poste, molesta mucho"),
    ],
    "cable": [
        ("Cable caído", "Hay un cable caído en la banqueta, es peligroso"),
        ("Cables tirados", "cables tirados en el piso, los niños pasan por ahí"),
        ("Cable colgando", "Un cable cuelga del poste casi tocando el suelo"),
        ("Cableado en el suelo", "el cableado quedó en el suelo después de la lluvia, peligro"),
    ],
    "leaning": [
        ("Poste inclinado", "El poste está inclinado y parece que se va a caer"),
        ("Poste chueco", "poste chueco a punto de caerse, da miedo"),
        ("Poste a punto de caer", "El poste se ladeó con el viento, está muy inclinado"),
        ("Poste doblado", "le pegaron al poste y quedó doblado e inclinado"),
    ],
    "daylight": [
        ("Luminaria prendida de día", "La luminaria se queda encendida todo el día"),
        ("Lámpara encendida en el día", "la lampara sigue prendida de dia, desperdicio"),
        ("Alumbrado encendido de día", "El alumbrado no se apaga en el día, sigue encendido"),
    ],
    "solar": [
        ("Panel solar roto", "El panel solar de la luminaria está roto"),
        ("Panel quebrado", "se quebró el panel solar del poste, tiene vidrios rotos"),
        ("Daño en panel solar", "El panel solar está estrellado, parece que le aventaron piedra"),
    ],
    "transformer": [
        ("Transformador tronó", "Tronó el transformador y se fue la luz en la cuadra"),
        ("Explotó transformador", "explotó el transformador, toda la cuadra sin luz"),
        ("Transformador dañado", "El transformador hizo explosión y echa humo"),
    ],
}

# Places: (name as first written, other ways people write it).
PLACES: list[tuple[str, list[str]]] = [
    ("calle Zaragoza esquina Allende", ["Zaragoza y Allende", "esquina de Zaragoza con Allende"]),
    ("frente al mercado Hidalgo", ["afuera del Mercado Hidalgo", "junto al mercado Hidalgo"]),
    ("avenida Tlalpan a la altura del metro Xola", ["Tlalpan cerca del metro Xola", "metro Xola"]),
    ("parque Lindavista", ["en el parque de Lindavista", "parque lindavista junto a los juegos"]),
    ("calle Cedros 45", ["Cedros número 45", "enfrente de Cedros 45"]),
    ("escuela primaria Netzahualcóyotl", ["primaria Netzahualcoyotl", "la escuela Netza"]),
    ("iglesia de San Bartolo", ["afuera de la iglesia San Bartolo", "templo de San Bartolo"]),
    ("calle Naranjos y Limoneros", ["Naranjos esquina Limoneros", "en Naranjos con Limoneros"]),
    ("glorieta de Insurgentes", ["la glorieta Insurgentes", "Insurgentes en la glorieta"]),
    ("deportivo Oceanía", ["deportivo oceania", "afuera del Deportivo Oceanía"]),
    ("calle Pino Suárez 120", ["Pino Suarez 120", "Pino Suárez frente al 120"]),
    ("hospital General de Zona 8", ["hospital de zona 8", "frente al Hospital General 8"]),
    ("privada Magnolias", ["privada de las Magnolias", "la privada Magnolias"]),
    ("calle Fresno y Olmo", ["Fresno esquina Olmo", "Fresno con Olmo"]),
    ("mercado Sonora", ["afuera del mercado de Sonora", "mercado sonora por la entrada"]),
    (
        "avenida Revolución y Barranca del Muerto",
        ["Revolución con Barranca del Muerto", "Barranca del Muerto y Revolucion"],
    ),
    ("callejón del Beso", ["el callejon del Beso", "callejón Beso"]),
    ("kiosco de Coyoacán", ["el kiosco en Coyoacán", "kiosko de Coyoacan"]),
    ("calle Girasoles 9", ["Girasoles número 9", "en Girasoles 9"]),
    ("estación Balderas", ["metro Balderas", "salida del metro Balderas"]),
    (
        "unidad habitacional Tlatelolco edificio Chihuahua",
        ["edificio Chihuahua de Tlatelolco", "Tlatelolco edificio Chihuahua"],
    ),
    ("calle Durango y Sinaloa", ["Durango esquina Sinaloa", "Durango con Sinaloa"]),
    ("panteón de Dolores", ["afuera del panteon Dolores", "panteón Dolores entrada"]),
    ("calle Ahuehuetes 300", ["Ahuehuetes 300", "frente a Ahuehuetes 300"]),
    ("tianguis de la Lagunilla", ["la Lagunilla", "tianguis Lagunilla"]),
    ("cancha de la colonia Moctezuma", ["canchas de la Moctezuma", "cancha Moctezuma"]),
    ("calle Tabachines 12", ["Tabachines 12", "en Tabachines número 12"]),
    ("biblioteca Vasconcelos", ["afuera de la biblioteca Vasconcelos", "la Vasconcelos"]),
    (
        "calle Jacarandas y Bugambilias",
        ["Jacarandas esquina Bugambilias", "Jacarandas con Bugambilias"],
    ),
    ("plaza Garibaldi", ["en Garibaldi", "plaza de Garibaldi junto a los mariachis"]),
    ("calle Abasolo 77", ["Abasolo 77", "enfrente del 77 de Abasolo"]),
    ("puente de Tacubaya", ["el puente Tacubaya", "bajo el puente de Tacubaya"]),
    ("calle Colibrí y Gorrión", ["Colibrí esquina Gorrión", "Colibri con Gorrion"]),
    ("centro de salud Tepito", ["centro de salud de Tepito", "clínica de Tepito"]),
    ("calle Mezquite 18", ["Mezquite 18", "en el 18 de Mezquite"]),
    ("embarcadero de Cuemanco", ["Cuemanco en el embarcadero", "embarcadero Cuemanco"]),
    ("calle Obreros 250", ["Obreros 250", "frente al 250 de Obreros"]),
    ("mercado de Jamaica", ["mercado Jamaica", "afuera del mercado de Jamaica"]),
    ("calle Tulipanes 5", ["Tulipanes 5", "Tulipanes número cinco"]),
    ("andador Los Pinos", ["andador de Los Pinos", "el andador Pinos"]),
]

ELSEWHERE_NAMES = """Encino Roble Sauce Cipres Nogal Alamo Laurel Ceiba Acacia Olivo Caoba Cedrela
Almendro Castano Abeto Tejocote Capulin Guayabo Mango Ciruelo Durazno Membrillo Zapote Mamey
Tamarindo Huizache Palo-Verde Ocote Oyamel Sabino Ahuejote Colorin Cazahuate Copal Chicozapote
Guamuchil Anona Chabacano Granado Nispero"""
ELSEWHERE = ELSEWHERE_NAMES.split(maxsplit=-1)
"""Streets where only one unrelated report comes from (one per problem)."""

OPENERS = ["", "Buenas noches, ", "Hola, ", "Oigan, ", "Reporto que ", "Por favor, "]
TYPOS = {"está": "esta", "lámpara": "lampara", "día": "dia", "también": "tambien", "hay": "ai"}
UNRELATED = [
    ("Cobro doble en mi recibo de luz", "Me cobraron dos veces el recibo de luz de este mes"),
    ("Duda con mi factura", "No entiendo el cargo de mi factura de luz"),
    ("Quiero instalar paneles", "Me interesa instalar paneles solares en mi casa, ¿costos?"),
    ("Cambio de titular", "Quiero cambiar el titular del servicio de luz a mi nombre"),
    ("Aclaración de pago", "Pagué la luz en el banco y no aparece mi pago"),
    ("Horario de atención", "¿A qué hora abren la oficina para pagar la luz?"),
]


def _typo(text: str, rng: random.Random) -> str:
    for right, wrong in TYPOS.items():
        if right in text and rng.random() < 0.5:
            text = text.replace(right, wrong)
    return text


def _point(rng: random.Random, index: int) -> tuple[float, float]:
    """A place's own point: a grid a kilometre apart, so two places are never 150 m close."""
    row, col = divmod(index, 8)
    return BASE[0] + row * 0.01, BASE[1] + col * 0.01


def _near(point: tuple[float, float], rng: random.Random, metres: float) -> dict[str, float]:
    d = metres / 111_000
    return {
        "latitude": round(point[0] + rng.uniform(-d, d), 6),
        "longitude": round(point[1] + rng.uniform(-d, d), 6),
    }


def build() -> list[dict[str, object]]:
    rng = random.Random(23)
    reports: list[dict[str, object]] = []
    kinds = list(FAULTS)
    for index, (place, other_names) in enumerate(PLACES):
        fault = kinds[index % len(kinds)]
        point = _point(rng, index)
        group = f"p{index:02d}"
        ways = FAULTS[fault][:]
        rng.shuffle(ways)
        names = [place, *other_names]
        for n in range(rng.choice([3, 4, 4, 5])):
            subject, description = ways[n % len(ways)]
            name = names[n % len(names)]
            where = rng.random()
            text = f"{rng.choice(OPENERS)}{description[0].lower()}{description[1:]} en {name}"
            report: dict[str, object] = {
                "group": group,
                "subject": _typo(subject, rng),
                "description": _typo(text, rng),
            }
            if where < 0.45:
                report["coordinates"] = _near(point, rng, 60)
            reports.append(report)
        # Unrelated: the same fault at a place of the next problem's street, far from here.
        other_fault = kinds[(index + 3) % len(kinds)]
        subject, description = rng.choice(FAULTS[other_fault])
        far = _point(rng, index)
        unrelated: dict[str, object] = {
            "group": f"u{index:02d}a",
            "subject": subject,
            "description": f"{description} en {place}, a tres cuadras",
            "coordinates": _near((far[0] + 0.004, far[1] + 0.004), rng, 30),
        }
        reports.append(unrelated)
        # Unrelated: this very fault, worded the same, somewhere nobody else reports.
        subject, description = rng.choice(FAULTS[fault])
        reports.append(
            {
                "group": f"u{index:02d}b",
                "subject": subject,
                "description": f"{description} en la calle {ELSEWHERE[index]} "
                f"{rng.randint(1, 300)}",
            }
        )
    for n, (subject, description) in enumerate(UNRELATED):
        reports.append({"group": f"x{n:02d}", "subject": subject, "description": description})
    return reports


def main() -> None:
    reports = build()
    OUT.write_text(json.dumps(reports, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    groups = {r["group"] for r in reports}
    print(f"wrote {OUT}: {len(reports)} reports, {len(groups)} problems and unrelated ones")


if __name__ == "__main__":
    main()
