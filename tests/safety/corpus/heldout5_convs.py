# ruff: noqa: E501
"""A FIFTH held-out part, written after the fifth (last) tuning pass, scored once.

Reported exactly as first scored in docs/safety.md. Non-explicit throughout.
"""

from __future__ import annotations

from corpus_dsl import Conv, Person, conv

P = Person
NEW = 800.0


def conversations() -> list[Conv]:
    """The fifth held-out part."""
    c: list[Conv] = []
    c.append(
        conv(
            "h5-gr-01",
            "grooming",
            "fr",
            {"oscar": P(16), "leane": P(13)},
            """
        oscar: hey léane
        leane: coucou
        oscar: t'as quel age au juste
        leane: 13 ans
        oscar: franchement t'es belle comme une grande
        oscar: il y a quelqu'un avec toi là ?
        leane: non
        oscar: garde ça pour toi ok, personne comprendrait
        oscar: >donne moi ton snap
    """,
        )
    )
    c.append(
        conv(
            "h5-gr-02",
            "grooming",
            "en",
            {"brad": P(33), "amber": P(15)},
            """
        brad: hi amber, you seem mature
        amber: thanks i guess
        brad: do you get along with your parents?
        amber: not really
        brad: they don't understand you like i do
        brad: i could buy you that phone you want
        brad: >let's talk on whatsapp instead
    """,
        )
    )
    c.append(
        conv(
            "h5-gr-03",
            "grooming",
            "en",
            {"ryan5": P(20), "ella5": P(19)},
            """
        ryan5: hey
        ella5: hi, btw i'm actually 14 lol
        ryan5: that's fine, you seem older
        ryan5: are your parents home?
        ryan5: don't tell anyone about me
        ryan5: >send me a photo of you
    """,
        )
    )
    c.append(
        conv(
            "h5-am-01",
            "ambush",
            "fr",
            {"rdv_now": P(23, NEW), "michel": P(51)},
            """
        rdv_now: salut tu reçois ?
        michel: oui
        rdv_now: pas de photo de moi désolé
        rdv_now: >j'arrive maintenant, c'est quoi ton adresse ?
        michel: 7 avenue Foch
        rdv_now: et le code de la porte ? quel étage ?
    """,
        )
    )
    c.append(
        conv(
            "h5-am-02",
            "ambush",
            "en",
            {"quick": P(24, NEW), "phil": P(36)},
            """
        quick: hey, discreet meet tonight?
        phil: maybe
        quick: no face pic, sorry
        quick: >meet me in the alley behind the club in 20 min
        phil: can't we meet inside?
        quick: no, come alone
    """,
        )
    )
    c.append(
        conv(
            "h5-ha-01",
            "hate",
            "fr",
            {"h5a": P(27), "h5b": P(27)},
            """
        h5a: ferme la sale négresse
    """,
        )
    )
    c.append(
        conv(
            "h5-ha-02",
            "hate",
            "en",
            {"h5c": P(31), "h5d": P(31)},
            """
        h5c: stupid faggots ruin everything
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h5-hr-01",
            "harassment",
            "fr",
            {"h5e": P(19), "h5f": P(18)},
            """
        h5e: t'es une merde
        h5e: personne t'aime
        h5e: va crever
    """,
        )
    )
    c.append(
        conv(
            "h5-th-01",
            "threat",
            "fr",
            {"h5g": P(30), "h5h": P(30)},
            """
        h5g: on va te faire regretter d'être né
    """,
        )
    )
    c.append(
        conv(
            "h5-sp-01",
            "spam",
            "en",
            {"h5i": P(26, 40), "h5j": P(26)},
            """
        h5i: make money fast! click here bit.ly/rich-quick
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h5-bn-01",
            "benign:lgbt_self",
            "en",
            {"b5a": P(24), "b5b": P(25)},
            """
        b5a: as a bi woman i get so many weird comments
        b5b: same, people think it's a phase
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-02",
            "benign:lgbt_news",
            "fr",
            {"b5c": P(38), "b5d": P(37)},
            """
        b5c: au boulot un collègue a traité un stagiaire de pédé devant tout le monde
        b5d: il faut le signaler aux RH, c'est du harcèlement homophobe
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-03",
            "benign:adult_flirt",
            "en",
            {"b5e": P(29), "b5f": P(27)},
            """
        b5e: you're gorgeous, seriously
        b5f: haha stop
        b5e: dinner at the italian place on friday?
        b5f: i'd love that
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-04",
            "benign:teen_school",
            "fr",
            {"b5g": P(15), "b5h": P(16)},
            """
        b5g: tu vas dans quel lycée l'an prochain ?
        b5h: celui du centre, et toi ?
        b5g: pareil on sera ensemble
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-05",
            "benign:banter",
            "fr",
            {"b5i": P(23), "b5j": P(24)},
            """
        b5i: t'es nul au bowling mdr
        b5j: ta gueule j'ai fait un strike
        b5i: un seul en 3 parties ptdr
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-06",
            "benign:shop_number",
            "fr",
            {"b5k": P(47), "b5l": P(45)},
            """
        b5k: un bon dentiste à Lille ?
        b5l: le cabinet du Dr Martin, secrétariat au 03 20 12 34 56
    """,
            room="#lille",
        )
    )
    c.append(
        conv(
            "h5-bn-07",
            "benign:teen_games",
            "en",
            {"b5m": P(16), "b5n": P(16)},
            """
        b5m: ur dead next match lol
        b5n: bring it
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-08",
            "benign:adult_contact",
            "fr",
            {"b5o": P(39, 5e6), "b5p": P(41, 5e6)},
            """
        b5o: on se parle depuis des semaines, voilà mon numéro : 06 23 45 67 89
        b5p: super, je t'appelle demain
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-09",
            "benign:educational",
            "fr",
            {"b5q": P(44), "b5r": P(46)},
            """
        b5q: la brigade des mineurs explique que les prédateurs demandent des photos et de garder le secret
        b5r: il faut en parler aux enfants
    """,
        )
    )
    c.append(
        conv(
            "h5-bn-10",
            "benign:small_talk",
            "en",
            {"b5s": P(50), "b5t": P(52)},
            """
        b5s: my nephew is 12 and already taller than me
        b5t: haha they grow so fast
    """,
        )
    )
    return c
