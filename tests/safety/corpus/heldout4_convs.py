"""A FOURTH held-out part, written after the very last tuning pass, scored once.

Reported exactly as first scored in docs/safety.md. Non-explicit throughout.
"""

from __future__ import annotations

from corpus_dsl import Conv, Person, conv

P = Person
NEW = 1500.0


def conversations() -> list[Conv]:
    """The fourth held-out part."""
    c: list[Conv] = []
    c.append(
        conv(
            "h4-gr-01",
            "grooming",
            "fr",
            {"sofiane": P(16), "jade4": P(13)},
            """
        sofiane: salut jade
        jade4: slt
        sofiane: t'es en quelle année au collège ?
        jade4: 5ème
        sofiane: t'es trop mignonne pour une 5ème
        sofiane: ils sont où tes parents là ?
        jade4: partis faire les courses
        sofiane: supprime nos messages après ok, c'est mieux
        sofiane: >ajoute moi sur snapchat
    """,
        )
    )
    c.append(
        conv(
            "h4-gr-02",
            "grooming",
            "en",
            {"marcus": P(31), "lucy": P(14)},
            """
        marcus: hey lucy, you seem really smart
        lucy: thanks
        marcus: way more grown up than kids your age
        marcus: are you by yourself right now?
        lucy: yes
        marcus: don't tell your parents we talk, they won't get it
        marcus: >i want to see you, can we meet at the mall saturday
    """,
        )
    )
    c.append(
        conv(
            "h4-gr-03",
            "grooming",
            "fr",
            {"xav": P(22), "ines4": P(18)},
            """
        xav: bonsoir
        ines4: bsr, je dois te dire j'ai 14 ans
        xav: c'est pas grave, t'es très mature
        xav: je peux te recharger ton forfait
        xav: on garde ça entre nous
        xav: >envoie une photo de toi
    """,
        )
    )
    c.append(
        conv(
            "h4-am-01",
            "ambush",
            "fr",
            {"chaud75": P(23, NEW), "patrick": P(49)},
            """
        chaud75: salut t'es discret ?
        patrick: oui
        chaud75: je montre pas mon visage ici
        chaud75: >on se voit tout de suite ? je viens chez toi
        patrick: ok
        chaud75: c'est quoi ton adresse et l'étage ? viens m'ouvrir seul
    """,
        )
    )
    c.append(
        conv(
            "h4-am-02",
            "ambush",
            "en",
            {"tr4": P(21, NEW), "gary": P(44)},
            """
        tr4: hey, discreet?
        gary: yes
        tr4: my cam doesn't work sorry
        tr4: >meet now? the car park behind the retail park
        gary: can we meet at the bar instead?
        tr4: no, come alone, don't tell anyone
    """,
        )
    )
    c.append(
        conv(
            "h4-ha-01",
            "hate",
            "en",
            {"t4a": P(30), "t4b": P(30)},
            """
        t4a: dirty immigrants should be deported
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h4-ha-02",
            "hate",
            "fr",
            {"t4c": P(26), "t4d": P(26)},
            """
        t4c: espèce de sale gouine
    """,
        )
    )
    c.append(
        conv(
            "h4-th-01",
            "threat",
            "en",
            {"t4e": P(29), "t4f": P(29)},
            """
        t4e: you're dead when i find you
    """,
        )
    )
    c.append(
        conv(
            "h4-sp-01",
            "spam",
            "fr",
            {"t4g": P(29, 50), "t4h": P(29)},
            """
        t4g: robux gratuits ici : robux-offerts.site
    """,
            room="#jeux",
        )
    )
    c.append(
        conv(
            "h4-bn-01",
            "benign:lgbt_self",
            "fr",
            {"b4a": P(20), "b4b": P(21)},
            """
        b4a: je suis trans et je commence ma transition
        b4b: trop bien, courage ! je suis là si tu veux en parler
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-02",
            "benign:lgbt_news",
            "en",
            {"b4c": P(35), "b4d": P(34)},
            """
        b4c: my neighbour got called a dyke on the bus yesterday
        b4d: that's awful, hope someone stood up for her
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-03",
            "benign:adult_flirt",
            "fr",
            {"b4e": P(31), "b4f": P(30)},
            """
        b4e: t'es vraiment belle
        b4f: merci, t'es gentil
        b4e: ça te dit un verre samedi au bar de la place ?
        b4f: oui pourquoi pas
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-04",
            "benign:teen_games",
            "fr",
            {"b4g": P(15), "b4h": P(15)},
            """
        b4g: je vais te défoncer à fifa ce soir
        b4h: mdr même pas en rêve
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-05",
            "benign:banter",
            "en",
            {"b4i": P(28), "b4j": P(29)},
            """
        b4i: you absolute clown, you locked us out
        b4j: lol my bad, coming back now
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-06",
            "benign:shop_number",
            "en",
            {"b4k": P(40), "b4l": P(42)},
            """
        b4k: best takeaway in town?
        b4l: Golden Dragon, order on 0161 496 0123, they deliver till late
    """,
            room="#manchester",
        )
    )
    c.append(
        conv(
            "h4-bn-07",
            "benign:teen_school",
            "en",
            {"b4m": P(16), "b4n": P(15)},
            """
        b4m: how old are you?
        b4n: 15, you?
        b4m: 16. are you doing the science fair?
        b4n: yeah with my friend
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-08",
            "benign:educational",
            "en",
            {"b4o": P(45), "b4p": P(40)},
            """
        b4o: the training covered how predators ask kids to keep secrets and move to other apps
        b4p: useful, we should share it with the parents' group
    """,
        )
    )
    c.append(
        conv(
            "h4-bn-09",
            "benign:small_talk",
            "fr",
            {"b4q": P(55), "b4r": P(53)},
            """
        b4q: mon petit-fils a 14 ans aujourd'hui
        b4r: joyeux anniversaire à lui !
    """,
        )
    )
    return c
