"""A SIXTH held-out part, written after the last lexicon change, scored once, never tuned on.

This is the measurement of the final engine on unseen text. Non-explicit throughout.
"""

from __future__ import annotations

from corpus_dsl import Conv, Person, conv

P = Person
NEW = 1000.0


def conversations() -> list[Conv]:
    """The sixth held-out part."""
    c: list[Conv] = []
    c.append(
        conv(
            "h6-gr-01",
            "grooming",
            "fr",
            {"kylian": P(16), "maya6": P(14)},
            """
        kylian: wsh maya
        maya6: wsh
        kylian: t'as quel âge déjà
        maya6: 14 et toi
        kylian: 16. t'es vraiment différente des autres filles
        kylian: tes parents rentrent à quelle heure ce soir ?
        maya6: tard
        kylian: dis rien à personne pour nous deux
        kylian: >je t'envoie mon insta, ajoute moi
    """,
        )
    )
    c.append(
        conv(
            "h6-gr-02",
            "grooming",
            "en",
            {"gavin": P(35), "holly": P(14)},
            """
        gavin: hi holly, loved your drawing you posted
        holly: thank you!!
        gavin: you're talented and so grown up
        gavin: i could get you a new tablet for your art
        gavin: just don't tell your dad, he'd be jealous haha
        gavin: >let's chat on snapchat, easier
    """,
        )
    )
    c.append(
        conv(
            "h6-gr-03",
            "grooming",
            "fr",
            {"arnaud": P(24), "zoe6": P(20)},
            """
        arnaud: salut zoé
        zoe6: salut, je suis en 4ème en fait j'ai menti
        arnaud: c'est pas grave tu fais plus âgée
        arnaud: t'es seule chez toi l'après-midi ?
        arnaud: >on peut se voir mercredi, je t'attendrai devant le collège
    """,
        )
    )
    c.append(
        conv(
            "h6-gr-04",
            "grooming",
            "en",
            {"jordan6": P(17), "lia": P(13)},
            """
        jordan6: hey lia
        lia: hey
        jordan6: how old are you?
        lia: 13
        jordan6: you're beautiful, you know that?
        jordan6: are you alone in your room?
        jordan6: delete these messages after ok
        jordan6: >send me a selfie
    """,
        )
    )
    c.append(
        conv(
            "h6-am-01",
            "ambush",
            "fr",
            {"bg_dl": P(22, NEW), "thierry": P(52)},
            """
        bg_dl: bsr, t'es discret ?
        thierry: oui
        bg_dl: je mets pas de photo, tu verras sur place
        bg_dl: >on se voit ce soir ? rdv dans le bois derrière le stade
        thierry: il fait nuit, pas plutôt un bar ?
        bg_dl: non viens seul c'est mieux
    """,
        )
    )
    c.append(
        conv(
            "h6-am-02",
            "ambush",
            "en",
            {"nite": P(25, NEW), "ross": P(40)},
            """
        nite: hey, you live alone?
        ross: yes
        nite: great, i can come to yours right now
        nite: what's the address and the door code?
        ross: 14 park road
        nite: which floor? no need to tell anyone i'm coming
    """,
        )
    )
    c.append(
        conv(
            "h6-am-03",
            "ambush",
            "fr",
            {"nouveau6": P(21, NEW), "didier": P(47)},
            """
        nouveau6: salut
        didier: salut
        nouveau6: pas de visio pour moi désolé
        nouveau6: >on se retrouve maintenant au parking de la gare ?
        didier: ok
        nouveau6: finalement rejoins moi plutôt derrière l'entrepôt, seul
    """,
        )
    )
    c.append(
        conv(
            "h6-ha-01",
            "hate",
            "en",
            {"h6a": P(29), "h6b": P(29)},
            """
        h6a: shut up you dirty paki
    """,
        )
    )
    c.append(
        conv(
            "h6-ha-02",
            "hate",
            "fr",
            {"h6c": P(33), "h6d": P(33)},
            """
        h6c: les pédés ça devrait pas exister
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h6-ha-03",
            "hate",
            "fr",
            {"h6e": P(25), "h6f": P(25)},
            """
        h6e: t'es qu'un sale bicot
    """,
        )
    )
    c.append(
        conv(
            "h6-th-01",
            "threat",
            "en",
            {"h6g": P(28), "h6h": P(28)},
            """
        h6g: i know where your kids go to school
    """,
        )
    )
    c.append(
        conv(
            "h6-sp-01",
            "spam",
            "fr",
            {"h6i": P(30, 30), "h6j": P(30)},
            """
        h6i: cliquez ici pour gagner un iphone gratuit www.cadeau-iphone.top
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "h6-bn-01",
            "benign:lgbt_self",
            "fr",
            {"b6a": P(29), "b6b": P(31)},
            """
        b6a: je suis lesbienne et maman de deux enfants
        b6b: trop chouette, moi je suis gay et papa d'une fille
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-02",
            "benign:lgbt_news",
            "fr",
            {"b6c": P(36), "b6d": P(39)},
            """
        b6c: un type a hurlé "sales gouines" à ma copine et moi dans la rue
        b6d: quelle horreur, vous avez porté plainte ?
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-03",
            "benign:adult_flirt",
            "en",
            {"b6e": P(34), "b6f": P(36)},
            """
        b6e: you have a lovely smile
        b6f: thank you, so do you
        b6e: coffee at the bookshop cafe saturday morning?
        b6f: yes, see you there
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-04",
            "benign:teen_games",
            "fr",
            {"b6g": P(16), "b6h": P(15)},
            """
        b6g: je vais te massacrer à mario kart
        b6h: ptdr tu rêves
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-05",
            "benign:teen_school",
            "en",
            {"b6i": P(15), "b6j": P(15)},
            """
        b6i: what grade are you in?
        b6j: 10th, you?
        b6i: same! do you have mr harris for chemistry?
        b6j: yes he's so strict
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-06",
            "benign:banter",
            "en",
            {"b6k": P(30), "b6l": P(30)},
            """
        b6k: damn you ate my fries again
        b6l: lol sorry, buying you lunch tomorrow
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-07",
            "benign:shop_number",
            "en",
            {"b6m": P(41), "b6n": P(43)},
            """
        b6m: anyone know a good locksmith?
        b6n: Smith & Sons locksmiths, 020 7946 0999, they came within an hour
    """,
            room="#london",
        )
    )
    c.append(
        conv(
            "h6-bn-08",
            "benign:educational",
            "en",
            {"b6o": P(38), "b6p": P(40)},
            """
        b6o: the police talk said groomers often ask kids if they are home alone
        b6p: scary, i'll talk to my son tonight
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-09",
            "benign:adult_flirt",
            "fr",
            {"b6q": P(27), "b6r": P(26)},
            """
        b6q: t'es trop mignon
        b6r: merci :)
        b6q: on se retrouve au cinéma dimanche ?
        b6r: avec plaisir
    """,
        )
    )
    c.append(
        conv(
            "h6-bn-10",
            "benign:small_talk",
            "fr",
            {"b6s": P(58), "b6t": P(60)},
            """
        b6s: ma petite-fille entre en 6ème à la rentrée
        b6t: déjà ! le temps passe vite
    """,
        )
    )
    return c
