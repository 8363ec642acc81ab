"""A THIRD held-out part, written last, in one pass, and scored once on the final engine.

Parts one and two were diagnosed after their first scoring (their later figures are
contaminated). This part was written after the last engine change and is reported exactly
as first scored. Non-explicit throughout.
"""

from __future__ import annotations

from corpus_dsl import Conv, Person, conv

P = Person
NEW = 700.0


def conversations() -> list[Conv]:
    """The third held-out part."""
    c: list[Conv] = []
    # ---------------------------------------------------------------- harmful
    c.append(
        conv(
            "h3-gr-01",
            "grooming",
            "fr",
            {"romain": P(16), "ilona": P(14)},
            """
        romain: hello ilona
        ilona: slt
        romain: t'as quel âge sans mentir ?
        ilona: 14
        romain: tu fais vraiment plus que 14 ans, t'es canon
        romain: tu es toute seule à la maison l'après-midi ?
        ilona: le mercredi oui
        romain: n'en parle pas à tes parents, ils vont s'inquiéter pour rien
        romain: >file moi ton numéro
    """,
        )
    )
    c.append(
        conv(
            "h3-gr-02",
            "grooming",
            "en",
            {"danny": P(17), "sky": P(13)},
            """
        danny: hey sky
        sky: hi
        danny: how old are you?
        sky: 13
        danny: you act so much older, seriously
        danny: do your parents go out a lot?
        sky: sometimes
        danny: this is just our thing, don't tell anyone
        danny: >can you send me a pic so i know you're real
    """,
        )
    )
    c.append(
        conv(
            "h3-gr-03",
            "grooming",
            "fr",
            {"fab": P(23), "maelle": P(19)},
            """
        fab: coucou
        maelle: cc, j'ai menti en vrai je suis en 5ème
        fab: pas grave, t'as l'air mature
        fab: je peux t'offrir des cadeaux si tu veux
        fab: mais c'est notre secret
        fab: >on se voit où après les cours ?
    """,
        )
    )
    c.append(
        conv(
            "h3-gr-04",
            "grooming",
            "en",
            {"chris2": P(29), "nina3": P(15)},
            """
        chris2: hi nina
        nina3: hi
        chris2: what school do you go to?
        nina3: westfield middle
        chris2: you're beautiful, boys your age don't deserve you
        chris2: are you alone tonight?
        chris2: >let's go on telegram, more private
    """,
        )
    )
    c.append(
        conv(
            "h3-am-01",
            "ambush",
            "fr",
            {"discret93": P(22, NEW), "laurent": P(46)},
            """
        discret93: slt mec dl ?
        laurent: oui
        discret93: moi pareil, pas de tof
        discret93: >je passe chez toi dans 30 min ?
        laurent: ok
        discret93: donne moi l'adresse exacte et le digicode, t'es seul hein
    """,
        )
    )
    c.append(
        conv(
            "h3-am-02",
            "ambush",
            "en",
            {"freshie": P(24, NEW), "owen": P(39)},
            """
        freshie: hey are you discreet
        owen: yes
        freshie: no face pics sorry
        freshie: >meet me tonight behind the supermarket car park
        owen: can we do a cafe first?
        freshie: no, come alone or forget it
    """,
        )
    )
    c.append(
        conv(
            "h3-am-03",
            "ambush",
            "fr",
            {"yass_": P(21, NEW), "bruno": P(55)},
            """
        yass_: bonsoir monsieur
        bruno: bonsoir
        yass_: >on se retrouve ce soir au parc ?
        bruno: d'accord, à l'entrée ?
        yass_: non plutôt au fond du parc, vers le bois, personne doit te voir venir
    """,
        )
    )
    c.append(
        conv(
            "h3-ha-01",
            "hate",
            "fr",
            {"hh3": P(28), "ii3": P(27)},
            """
        hh3: t'es qu'une grosse pétasse
    """,
        )
    )
    c.append(
        conv(
            "h3-ha-02",
            "hate",
            "en",
            {"jj3": P(33), "kk3": P(33)},
            """
        jj3: gays should burn
    """,
            room="#news",
        )
    )
    c.append(
        conv(
            "h3-ha-03",
            "hate",
            "fr",
            {"ll3": P(40), "mm3": P(40)},
            """
        ll3: sale youpin
    """,
        )
    )
    c.append(
        conv(
            "h3-th-01",
            "threat",
            "fr",
            {"nn3": P(30), "oo3": P(30)},
            """
        nn3: fais gaffe à toi, je sais où tu bosses
    """,
        )
    )
    c.append(
        conv(
            "h3-sp-01",
            "spam",
            "en",
            {"bot3": P(25, 60), "pp3": P(25)},
            """
        bot3: FREE V-BUCKS here: vbucks-gift.xyz
    """,
            room="#gaming",
        )
    )
    # ---------------------------------------------------------------- benign
    c.append(
        conv(
            "h3-bn-01",
            "benign:lgbt_self",
            "fr",
            {"yo": P(26), "al3": P(27)},
            """
        yo: en tant que mec gay j'ai longtemps eu peur de sortir du placard
        al3: je comprends, moi c'était pareil en tant que bi
        yo: maintenant je vis ça bien
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-02",
            "benign:lgbt_news",
            "en",
            {"bo": P(31), "cy": P(33)},
            """
        bo: someone spray painted "fags out" on the community centre
        cy: that's a hate crime, did anyone report it?
        bo: yes, the police came this morning
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-03",
            "benign:adult_flirt",
            "en",
            {"dee": P(37), "eve": P(35)},
            """
        dee: i really enjoy our chats
        eve: me too
        dee: want to grab brunch at the market on sunday?
        eve: sounds lovely, 11?
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-04",
            "benign:adult_flirt",
            "fr",
            {"fx": P(32), "gy": P(29)},
            """
        fx: t'es drôle toi
        gy: merci haha
        fx: on pourrait boire un café à la terrasse près du musée jeudi ?
        gy: oui avec plaisir
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-05",
            "benign:teen_school",
            "fr",
            {"hz": P(15), "ia": P(16)},
            """
        hz: t'es en quelle classe toi ?
        ia: première
        hz: moi seconde, c'est dur ?
        ia: ça va, les maths surtout
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-06",
            "benign:teen_games",
            "en",
            {"jb": P(15), "kc": P(15)},
            """
        jb: i'm gonna destroy you in fortnite tonight
        kc: lol in your dreams
        jb: ggs tomorrow then
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-07",
            "benign:banter",
            "fr",
            {"ld": P(27), "me": P(28)},
            """
        ld: t'es chiant avec tes blagues nulles
        me: mdr c'est pour ça que tu m'aimes
        ld: putain t'as raison
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-08",
            "benign:shop_number",
            "fr",
            {"nf": P(52), "og": P(50)},
            """
        nf: la boulangerie de la place fait des commandes pour les fêtes ?
        og: oui appelle-les au 05 56 12 34 56, ils sont ouverts le dimanche
    """,
            room="#bordeaux",
        )
    )
    c.append(
        conv(
            "h3-bn-09",
            "benign:educational",
            "fr",
            {"ph": P(48), "qi": P(33)},
            """
        ph: dans mon cours d'histoire on étudie les insultes racistes de la propagande coloniale
        qi: c'est important d'en parler
    """,
            room="#profs",
        )
    )
    c.append(
        conv(
            "h3-bn-10",
            "benign:adult_contact",
            "en",
            {"rj": P(44, 4e6), "sk": P(46, 5e6)},
            """
        rj: after all these weeks, here's my number: 07700 900321
        sk: great, i'll text you tonight
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-11",
            "benign:small_talk",
            "en",
            {"tl": P(60), "um": P(58)},
            """
        tl: my grandson turned 13 today
        um: happy birthday to him!
        tl: he wants a phone, i said wait
    """,
        )
    )
    c.append(
        conv(
            "h3-bn-12",
            "benign:teen_school",
            "en",
            {"vn": P(16), "wo": P(17)},
            """
        vn: are your parents home? can i come over to study
        wo: yes my mum is here, come at 4
        vn: ok see you
    """,
        )
    )
    return c
