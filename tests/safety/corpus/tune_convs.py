"""The TUNING part of the corpus: hand-written conversations plus template compositions.

The engine's word lists and thresholds were adjusted while looking at this part only.
Every example is non-explicit: grooming appears through its stages, never sexual content.
"""

from __future__ import annotations

import random

from corpus_dsl import Conv, Person, conv

FRESH = 600.0
OLD = 200 * 86400.0


def hand_written() -> list[Conv]:
    """Hand-written tuning conversations, harmful and benign, French and English."""
    c: list[Conv] = []
    P = Person
    # ------------------------------------------------------------------ grooming
    c.append(
        conv(
            "t-gr-01",
            "grooming",
            "fr",
            {"kevin16": P(16, 9e5, "dk1"), "lea": P(14)},
            """
        kevin16: salut ça va ?
        lea: ouais et toi
        kevin16: t'as quel âge ?
        lea: 14 et toi
        kevin16: 16. t'es super mature pour ton âge tu sais
        lea: ah bon merci
        kevin16: dis rien à tes parents qu'on parle, ils comprendraient pas
        kevin16: >t'as snap ? on sera plus tranquilles
    """,
        )
    )
    c.append(
        conv(
            "t-gr-02",
            "grooming",
            "fr",
            {"thomas": P(17, 3e6), "manon": P(15)},
            """
        thomas: coucou manon
        manon: slt
        thomas: t'es en quelle classe ?
        manon: en seconde
        thomas: t'es trop belle sur ta photo de profil
        manon: mdr merci
        thomas: t'es toute seule chez toi là ?
        manon: oui mes parents rentrent tard
        thomas: c'est notre petit secret ok
        thomas: >envoie moi une photo de toi maintenant
    """,
        )
    )
    c.append(
        conv(
            "t-gr-03",
            "grooming",
            "en",
            {"jake": P(16), "emma": P(13)},
            """
        jake: hey emma
        emma: hi
        jake: how old are you?
        emma: 13
        jake: you're so mature for your age honestly
        emma: lol thanks
        jake: your parents don't understand you like i do
        jake: don't tell anyone we talk ok? it's our secret
        emma: ok
        jake: >what's your snap? let's talk there
    """,
        )
    )
    c.append(
        conv(
            "t-gr-04",
            "grooming",
            "en",
            {"mike": P(17), "sophie": P(15)},
            """
        mike: hi sophie, you seem really cool
        sophie: thanks
        mike: are you home alone right now?
        sophie: yeah my mom works late
        mike: i could buy you a gift card for your games if you want
        sophie: really?
        mike: sure, just between us
        mike: >send me a pic of you first
    """,
        )
    )
    c.append(
        conv(
            "t-gr-05",
            "grooming",
            "fr",
            {"marc": P(19), "jade": P(19)},
            """
        marc: salut jade
        jade: salut
        marc: tu fais quoi dans la vie ?
        jade: jsuis en 4ème en vrai
        marc: ah ok tu fais plus que ton âge
        marc: t'es toute seule ce soir ?
        jade: oui
        marc: >on se voit demain après les cours ? je viens te chercher
    """,
        )
    )
    c.append(
        conv(
            "t-gr-06",
            "grooming",
            "en",
            {"dan": P(24), "lily": P(19)},
            """
        dan: hey
        lily: hi
        dan: what do you do?
        lily: i'm in 8th grade actually, i lied about my age lol
        dan: that's ok, age is just a number
        dan: you're really pretty
        dan: don't tell your parents about me ok
        dan: >add me on instagram
    """,
        )
    )
    c.append(
        conv(
            "t-gr-07",
            "grooming",
            "fr",
            {"lucas16": P(16), "ines": P(15)},
            """
        lucas16: cc
        ines: cc
        lucas16: tu vas au lycée ou au collège ?
        ines: au collège en 3ème
        lucas16: moi je bosse dans un garage, j'ai ma voiture
        ines: ah t'as pas 16 alors
        lucas16: un peu plus vieux que toi mais c'est pas grave
        lucas16: personne doit savoir ok
        lucas16: je peux t'offrir un forfait si tu veux
        lucas16: >donne moi ton numéro
    """,
        )
    )
    c.append(
        conv(
            "t-gr-08",
            "grooming",
            "en",
            {"chris": P(16), "mia": P(14)},
            """
        chris: hi mia
        mia: hey
        chris: what grade are you in?
        mia: 9th
        chris: nice. do you have a boyfriend?
        mia: no
        chris: you can trust me, i'm the only one who really gets you
        chris: delete our messages after ok
        chris: >let's meet up after school, i'll wait for you
    """,
        )
    )
    c.append(
        conv(
            "t-gr-09",
            "grooming",
            "fr",
            {"seb": P(16), "clara": P(15)},
            """
        seb: salut clara
        clara: salut
        seb: t'as quel age
        clara: 15
        seb: t'as des robux ? je peux t'en acheter
        clara: trop bien
        seb: mais faut rien dire à ta mère
        seb: ta porte est fermée à clé ?
        seb: >allume ta cam
    """,
        )
    )
    c.append(
        conv(
            "t-gr-10",
            "grooming",
            "en",
            {"tom": P(30), "zoe": P(15)},
            """
        tom: hi zoe
        zoe: hi
        tom: how old are u
        zoe: 15
        tom: you seem older than your age
        tom: are your parents home?
        zoe: no
        tom: >can we talk on whatsapp instead
    """,
        )
    )
    # ------------------------------------------------------------------ ambush
    c.append(
        conv(
            "t-am-01",
            "ambush",
            "fr",
            {"beaugosse75": P(25, FRESH, "dv1"), "julien": P(34)},
            """
        beaugosse75: salut, t'es discret ?
        julien: oui plutôt
        beaugosse75: moi aussi, pas de photo désolé
        julien: ok
        beaugosse75: >on se voit ce soir ? viens seul
        julien: où ça ?
        beaugosse75: derrière la gare, sur le parking
    """,
        )
    )
    c.append(
        conv(
            "t-am-02",
            "ambush",
            "fr",
            {"mecsympa": P(22, FRESH), "paul": P(41)},
            """
        mecsympa: slt tu cherches quoi
        paul: une rencontre, et toi ?
        mecsympa: pareil. tu vis seul ?
        paul: oui
        mecsympa: >je passe chez toi tout de suite, c'est quoi ton adresse exacte ?
        paul: 12 rue des lilas
        mecsympa: et le digicode ? quel étage ?
    """,
        )
    )
    c.append(
        conv(
            "t-am-03",
            "ambush",
            "en",
            {"hotguy": P(23, FRESH), "mark": P(38)},
            """
        hotguy: hey, are you discreet?
        mark: yes
        hotguy: no pics, you'll see me in person
        mark: ok
        hotguy: >meet tonight? come alone
        mark: where?
        hotguy: the car park behind the station
    """,
        )
    )
    c.append(
        conv(
            "t-am-04",
            "ambush",
            "en",
            {"ryan": P(27, FRESH), "david": P(45)},
            """
        ryan: hi there
        david: hi
        ryan: do you live alone?
        david: yes
        ryan: what's your address? i can come right now
        david: 8 oak street
        ryan: which floor? and the door code?
    """,
        )
    )
    c.append(
        conv(
            "t-am-05",
            "ambush",
            "fr",
            {"alex_93": P(21, FRESH), "karim": P(29)},
            """
        alex_93: bonsoir
        karim: bonsoir
        alex_93: je fais pas de cam, je suis discret
        karim: d'accord
        alex_93: >rdv dans 20 minutes au bois de vincennes
        karim: pas plutôt dans un bar ?
        alex_93: non viens seul, personne doit savoir que tu viens
        alex_93: ramène du liquide
    """,
        )
    )
    c.append(
        conv(
            "t-am-06",
            "ambush",
            "fr",
            {"yanis": P(24, 7200), "olivier": P(52)},
            """
        yanis: salut tu cherches un plan discret ?
        olivier: pourquoi pas
        yanis: >on se retrouve ce soir au bar le central ?
        olivier: ok 21h
        yanis: finalement on se retrouve plutôt en bas de la tour, au parking
        yanis: viens tout seul stp
    """,
        )
    )
    c.append(
        conv(
            "t-am-07",
            "ambush",
            "en",
            {"jay": P(26, FRESH), "steve": P(33)},
            """
        jay: hey man
        steve: hey
        jay: you out or dl?
        steve: dl
        jay: same. my camera is broken so no video call
        jay: >come over to my place now, don't tell anyone
        steve: where is it?
        jay: the abandoned building near the canal, i'll wait for you
    """,
        )
    )
    # device behind several pseudonyms courting several men
    for i, (lure, victim) in enumerate([("nico1", "franck"), ("nico2", "hugo"), ("nico3", "remi")]):
        c.append(
            conv(
                f"t-am-dev-{i}",
                "ambush",
                "fr",
                {lure: P(23, FRESH, "dev-same"), victim: P(35 + i)},
                """
            LURE: salut t'es mignon
            VICTIM: merci
            LURE: >on se voit ce soir ?
            VICTIM: peut-être
            LURE: viens chez moi, c'est discret
        """.replace("LURE", lure).replace("VICTIM", victim),
                start=1_719_302_400.0 + i * 900,
            )
        )
    # ------------------------------------------------------------------ hate
    c.append(
        conv(
            "t-ha-01",
            "hate",
            "fr",
            {"troll": P(20), "sam": P(22)},
            """
        troll: t'es qu'un sale pd
        sam: laisse moi tranquille
        troll: les pédés devraient crever
    """,
        )
    )
    c.append(
        conv(
            "t-ha-02",
            "hate",
            "fr",
            {"x": P(30), "y": P(30), "z": P(28)},
            """
        x: bonjour à tous
        y: s a l e   p 3 d 3
        z: calme toi
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "t-ha-03",
            "hate",
            "en",
            {"hater": P(25), "alex": P(24)},
            """
        hater: shut up you f4ggot
        alex: wow
    """,
        )
    )
    c.append(
        conv(
            "t-ha-04",
            "hate",
            "fr",
            {"a1": P(35), "b1": P(35)},
            """
        a1: retourne dans ton pays sale arabe
        b1: signalé
    """,
            room="#paris",
        )
    )
    c.append(
        conv(
            "t-ha-05",
            "hate",
            "en",
            {"u1": P(40), "u2": P(30)},
            """
        u1: gays are disgusting
        u2: not cool
        u1: dirty dykes everywhere
    """,
            room="#chat",
        )
    )
    c.append(
        conv(
            "t-ha-06",
            "hate",
            "fr",
            {"nul": P(19), "meuf": P(19)},
            """
        nul: t'es qu'une salope
        meuf: ???
    """,
        )
    )
    c.append(
        conv(
            "t-ha-07",
            "hate",
            "fr",
            {"q": P(45), "r": P(33)},
            """
        q: les juifs sont des parasites
    """,
            room="#politique",
        )
    )
    c.append(
        conv(
            "t-ha-08",
            "hate",
            "en",
            {"bb": P(22), "cc": P(22)},
            """
        bb: lol
        cc: you're such a retard
    """,
        )
    )
    c.append(
        conv(
            "t-ha-09",
            "hate",
            "fr",
            {"vv": P(28), "ww": P(28)},
            """
        vv: espèce de tarlouuuuuze
    """,
        )
    )
    c.append(
        conv(
            "t-ha-10",
            "hate",
            "fr",
            {"g1": P(26), "g2": P(26)},
            """
        g1: sale
        g1: gouine
    """,
        )
    )
    # ------------------------------------------------------------------ harassment, threats
    c.append(
        conv(
            "t-hr-01",
            "harassment",
            "fr",
            {"boss": P(30), "vic": P(25)},
            """
        boss: connard
        vic: pardon ?
        boss: ferme ta gueule
        boss: espèce d'ordure
    """,
        )
    )
    c.append(
        conv(
            "t-hr-02",
            "harassment",
            "en",
            {"bully": P(16), "kid": P(15)},
            """
        bully: nobody likes you
        bully: just kill yourself
        kid: stop
    """,
        )
    )
    c.append(
        conv(
            "t-hr-03",
            "harassment",
            "fr",
            {"b": P(17), "k": P(16)},
            """
        b: va te suicider
        k: ...
    """,
        )
    )
    c.append(
        conv(
            "t-th-01",
            "threat",
            "fr",
            {"ex": P(31), "elle": P(29)},
            """
        ex: je sais où tu habites
        elle: arrête
        ex: je vais te défoncer
    """,
        )
    )
    c.append(
        conv(
            "t-th-02",
            "threat",
            "en",
            {"angry": P(28), "bob": P(28)},
            """
        angry: i'll find you
        bob: ok
        angry: i'm gonna kill you, watch your back
    """,
        )
    )
    c.append(
        conv(
            "t-th-03",
            "threat",
            "fr",
            {"m1": P(22), "m2": P(22)},
            """
        m1: on va te retrouver et te faire la peau
    """,
        )
    )
    # ------------------------------------------------------------------ pii (doxxing, fresh)
    c.append(
        conv(
            "t-pi-01",
            "pii",
            "fr",
            {"doxx": P(25), "o": P(25)},
            """
        doxx: vous connaissez sarah ? elle habite au 14 rue Victor Hugo à Lille
    """,
            room="#lille",
        )
    )
    c.append(
        conv(
            "t-pi-02",
            "pii",
            "fr",
            {"newbie": P(20, FRESH), "z": P(21)},
            """
        newbie: appelle moi au 06 12 34 56 78
    """,
        )
    )
    c.append(
        conv(
            "t-pi-03",
            "pii",
            "en",
            {"newacc": P(30, FRESH), "j": P(30)},
            """
        newacc: my number is +44 7700 900123
    """,
        )
    )
    c.append(
        conv(
            "t-pi-04",
            "pii",
            "fr",
            {"n2": P(23, FRESH), "o2": P(24)},
            """
        n2: note mon num
        n2: zéro six, douze
        n2: trente-quatre cinquante-six soixante-dix-huit
    """,
            gap_s=10,
        )
    )
    # ------------------------------------------------------------------ spam
    c.append(
        conv(
            "t-sp-01",
            "spam",
            "fr",
            {"promo": P(25, 300), "a": P(25)},
            """
        promo: gagne de l'argent facilement, clique ici www.argent-facile.xyz
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "t-sp-02",
            "spam",
            "en",
            {"bot": P(25, 200), "u": P(25)},
            """
        bot: free robux!!! visit bit.ly/3xYz
    """,
            room="#games",
        )
    )
    c.append(
        conv(
            "t-sp-03",
            "spam",
            "fr",
            {"flood": P(25, 1000), "u": P(25)},
            """
        flood: rejoins mon telegram privé
        flood: rejoins mon telegram privé
        flood: rejoins mon telegram privé
        flood: rejoins mon telegram privé
        flood: rejoins mon telegram privé
    """,
            room="#general",
            gap_s=5,
        )
    )
    c.append(
        conv(
            "t-sp-04",
            "spam",
            "en",
            {"cam": P(22, 100), "u": P(25)},
            """
        cam: hey cutie check my profile for free live cams www.hotcams.live
    """,
        )
    )
    # ------------------------------------------------------------------ sexual
    c.append(
        conv(
            "t-sx-01",
            "sexual",
            "fr",
            {"vieux": P(19), "ado": P(19)},
            """
        vieux: salut
        ado: slt, au fait j'ai 14 ans
        vieux: pas grave, t'es encore vierge ?
    """,
            extra=("grooming",),
        )
    )
    c.append(
        conv(
            "t-sx-02",
            "sexual",
            "en",
            {"perv": P(30), "r": P(30)},
            """
        perv: anyone wanna hook up send nudes
    """,
            room="#chat",
        )
    )

    # ------------------------------------------------------------------ BENIGN
    c.append(
        conv(
            "t-bn-01",
            "benign:lgbt_self",
            "fr",
            {"theo": P(24), "max": P(26)},
            """
        theo: je suis gay et j'ai fait mon coming out hier
        max: bravo ! moi aussi je suis pd et fier haha
        theo: mdr merci, ça fait du bien
        max: tes parents ont bien réagi ?
        theo: ma mère oui, mon père il lui faut du temps
    """,
        )
    )
    c.append(
        conv(
            "t-bn-02",
            "benign:lgbt_self",
            "fr",
            {"lou": P(29), "cam": P(31)},
            """
        lou: en tant que lesbienne je me sens plus à l'aise ici que sur les autres sites
        cam: pareil, en tant que gouine assumée je cherche surtout des amies
        lou: on fait une soirée entre lesbiennes samedi si ça te dit
    """,
            room="#lgbt",
        )
    )
    c.append(
        conv(
            "t-bn-03",
            "benign:lgbt_self",
            "en",
            {"sam": P(27), "kai": P(25)},
            """
        sam: as a trans woman i love this room
        kai: same! i'm bi and it's nice to talk freely
        sam: we queers have to stick together lol
    """,
            room="#lgbt",
        )
    )
    c.append(
        conv(
            "t-bn-04",
            "benign:lgbt_news",
            "fr",
            {"a": P(33), "b": P(35)},
            """
        a: t'as vu l'article sur l'agression homophobe à Lyon ?
        b: oui horrible, ils l'ont traité de sale pd avant de le frapper
        a: faut porter plainte à chaque fois, sos homophobie aide pour ça
        b: oui et en parler
    """,
        )
    )
    c.append(
        conv(
            "t-bn-05",
            "benign:lgbt_news",
            "fr",
            {"nina": P(22), "zoe": P(23)},
            """
        nina: hier un mec m'a traitée de gouine dans le métro
        zoe: quel con, ça va toi ?
        nina: oui ça va, j'ai l'habitude malheureusement
        zoe: tu devrais le signaler quand même
    """,
        )
    )
    c.append(
        conv(
            "t-bn-06",
            "benign:lgbt_news",
            "en",
            {"jo": P(30), "al": P(31)},
            """
        jo: some guy called me a faggot at the bar last night
        al: that's awful, are you ok?
        jo: yeah, i reported it to the police as a hate crime
        al: good, homophobia is still everywhere
    """,
        )
    )
    c.append(
        conv(
            "t-bn-07",
            "benign:educational",
            "fr",
            {"prof": P(45), "eleve": P(38)},
            """
        prof: le mot « pédé » est une insulte homophobe, on ne doit pas le dire
        eleve: et "tapette" aussi c'est homophobe ?
        prof: oui, c'est le même registre
    """,
            room="#education",
        )
    )
    c.append(
        conv(
            "t-bn-08",
            "benign:educational",
            "en",
            {"t": P(40), "s": P(35)},
            """
        t: the word "dyke" was a slur but many lesbians have reclaimed it
        s: interesting, like queer
        t: exactly, context matters a lot
    """,
            room="#debate",
        )
    )
    c.append(
        conv(
            "t-bn-09",
            "benign:adult_flirt",
            "fr",
            {"hugo": P(32), "sarah": P(30)},
            """
        hugo: j'ai adoré discuter avec toi
        sarah: moi aussi, t'es drôle
        hugo: ça te dit qu'on se retrouve samedi pour un café place de la République ?
        sarah: avec plaisir, vers 15h ?
        hugo: parfait, à samedi !
    """,
        )
    )
    c.append(
        conv(
            "t-bn-10",
            "benign:adult_flirt",
            "en",
            {"ben": P(35), "anna": P(33)},
            """
        ben: you're really funny, i like talking to you
        anna: thanks, you too
        ben: would you like to meet for a coffee this weekend? maybe at the cafe near the museum
        anna: sure, sunday at 2?
        ben: perfect
    """,
        )
    )
    c.append(
        conv(
            "t-bn-11",
            "benign:adult_flirt",
            "fr",
            {"rom": P(28), "leo": P(29)},
            """
        rom: t'es mignon sur ta photo
        leo: merci toi aussi
        rom: on pourrait se voir pour boire un verre au bar du coin ?
        leo: oui vendredi soir si tu veux, au Marais
        rom: top
    """,
        )
    )
    c.append(
        conv(
            "t-bn-12",
            "benign:teen_school",
            "fr",
            {"emma15": P(15), "noah": P(16)},
            """
        emma15: t'as fini le dm de maths ?
        noah: non c'est trop dur
        emma15: t'es en quelle classe déjà ?
        noah: en seconde
        emma15: moi aussi, on a le même prof ?
        noah: je crois pas
    """,
        )
    )
    c.append(
        conv(
            "t-bn-13",
            "benign:teen_games",
            "fr",
            {"jules": P(15), "tom": P(15)},
            """
        jules: on fait une partie de fortnite ?
        tom: grave
        jules: je vais te tuer cette fois mdr
        tom: t'es nul tu vas perdre
        jules: ptdr on verra
    """,
        )
    )
    c.append(
        conv(
            "t-bn-14",
            "benign:teen_games",
            "en",
            {"ethan": P(16), "liam": P(16)},
            """
        ethan: gg that round was insane
        liam: i'm gonna destroy you next game lol
        ethan: you wish noob
        liam: rematch?
    """,
        )
    )
    c.append(
        conv(
            "t-bn-15",
            "benign:banter",
            "fr",
            {"bro1": P(25), "bro2": P(26)},
            """
        bro1: putain le match hier c'était n'importe quoi
        bro2: ouais l'arbitre était con
        bro1: t'es trop con toi mdr t'avais parié sur eux
        bro2: ta gueule ptdr
    """,
        )
    )
    c.append(
        conv(
            "t-bn-16",
            "benign:banter",
            "en",
            {"m1": P(30), "m2": P(31)},
            """
        m1: dude that movie was shit
        m2: lol you're such an idiot you picked it
        m1: shut up haha
    """,
        )
    )
    c.append(
        conv(
            "t-bn-17",
            "benign:shop_number",
            "fr",
            {"aa": P(40), "bb": P(41)},
            """
        aa: quelqu'un connaît une bonne pharmacie de garde ?
        bb: la pharmacie du centre, appelez le 01 42 68 53 00, ils sont ouverts tard
        aa: merci !
    """,
            room="#paris",
        )
    )
    c.append(
        conv(
            "t-bn-18",
            "benign:shop_number",
            "en",
            {"cc": P(35), "dd": P(36)},
            """
        cc: any good pizza place?
        dd: try Luigi's, the restaurant number is 020 7946 0018, they take bookings
        cc: thanks
    """,
            room="#london",
        )
    )
    c.append(
        conv(
            "t-bn-19",
            "benign:teen_school",
            "en",
            {"ava": P(15), "noa": P(15)},
            """
        ava: how old are you btw?
        noa: 15, you?
        ava: same! what grade are you in?
        noa: 10th
        ava: cool, me too. do you like your teachers?
    """,
        )
    )
    c.append(
        conv(
            "t-bn-20",
            "benign:adult_contact",
            "fr",
            {"karine": P(38, OLD), "marie": P(40, OLD)},
            """
        karine: ça fait des semaines qu'on discute, ça me ferait plaisir de t'avoir au tel
        marie: avec plaisir ! ajoute moi sur whatsapp
        karine: mon numéro c'est le 06 11 22 33 44
        marie: je t'appelle ce soir
    """,
        )
    )

    # ------------------------------------------------------------------ second tuning pass
    c.append(
        conv(
            "t2-gr-01",
            "grooming",
            "fr",
            {"bastien": P(16), "nour": P(14)},
            """
        bastien: yo nour
        nour: yo
        bastien: t'as l'air vraiment plus mature que les filles de ton âge
        nour: ah ouais ?
        bastien: ton père il est au travail là ?
        nour: oui jusqu'à 19h
        bastien: raconte pas nos messages à ta mère ok
        bastien: >viens sur telegram c'est plus tranquille
    """,
        )
    )
    c.append(
        conv(
            "t2-gr-02",
            "grooming",
            "en",
            {"liam22": P(17), "grace": P(13)},
            """
        liam22: hey grace
        grace: hi
        liam22: what grade are you in?
        grace: 7th grade
        liam22: you sound way more mature than other kids
        liam22: when do your parents get home?
        grace: late
        liam22: keep this to yourself ok
        liam22: >let's move to kik
    """,
        )
    )
    c.append(
        conv(
            "t2-gr-03",
            "grooming",
            "fr",
            {"gab": P(16), "elise": P(15)},
            """
        gab: coucou élise
        elise: coucou
        gab: tu es en quelle classe ?
        elise: en troisième
        gab: tu sembles tellement plus grande
        gab: quand est-ce que ta mère revient ?
        gab: parle jamais de moi, c'est entre nous
        gab: >passe sur snap
    """,
        )
    )
    c.append(
        conv(
            "t2-ha-01",
            "hate",
            "fr",
            {"rageux": P(21), "cible2": P(21)},
            """
        rageux: les homos c'est contre nature
        cible2: t'es sérieux ?
        rageux: sale tarlouze va
    """,
        )
    )
    c.append(
        conv(
            "t2-ha-02",
            "hate",
            "en",
            {"angry2": P(27), "kim2": P(27)},
            """
        angry2: go back to your country
        kim2: i was born here
    """,
            room="#general",
        )
    )
    c.append(
        conv(
            "t2-pi-01",
            "pii",
            "en",
            {"fresh9": P(24, 200), "tom9": P(26)},
            """
        fresh9: call me 07911 123456
    """,
        )
    )
    c.append(
        conv(
            "t2-bn-01",
            "benign:lgbt_news",
            "fr",
            {"sacha": P(24), "remi": P(26)},
            """
        sacha: au collège des mecs me traitaient de pédé tous les jours
        remi: c'est horrible, les profs faisaient rien ?
        sacha: pas grand chose, maintenant ça va mieux
    """,
        )
    )
    c.append(
        conv(
            "t2-bn-02",
            "benign:lgbt_news",
            "en",
            {"dev": P(31), "ash": P(29)},
            """
        dev: kids at school kept calling me a fag
        ash: i'm so sorry, that's homophobic bullying
        dev: yeah, it's better now that i'm out
    """,
        )
    )
    c.append(
        conv(
            "t2-bn-03",
            "benign:adult_flirt",
            "fr",
            {"marion": P(33), "yann": P(35)},
            """
        marion: t'es seul ce soir ?
        yann: oui, je regarde un film
        marion: on se fait un verre demain au café de la gare ?
        yann: avec plaisir
    """,
        )
    )
    c.append(
        conv(
            "t2-bn-04",
            "benign:teen_games",
            "fr",
            {"leo14": P(15), "max15": P(16)},
            """
        leo14: mes parents rentrent tard ce soir, on joue à minecraft ?
        max15: grave, sur ton serveur ?
        leo14: oui je t'envoie l'ip
        max15: ok
    """,
        )
    )
    c.append(
        conv(
            "t2-bn-05",
            "benign:shop_number",
            "en",
            {"ken": P(50), "lou2": P(45)},
            """
        ken: does anyone know a good bakery near the station?
        lou2: Martin's bakery, their number is 020 7946 0123, they open at 7
    """,
            room="#london",
        )
    )
    c.append(
        conv(
            "t2-bn-06",
            "benign:educational",
            "fr",
            {"anne": P(44), "paul2": P(46)},
            """
        anne: ma fille m'a demandé ce que voulait dire gouine
        paul2: c'est une insulte homophobe, même si certaines lesbiennes se le réapproprient
        anne: merci, je vais lui expliquer
    """,
        )
    )

    # ------------------------------------------------------------------ third tuning pass
    c.append(
        conv(
            "t3-bn-05",
            "benign:teen_flirt",
            "fr",
            {"hugo": P(16), "lea": P(15)},
            """
        hugo: t'es trop belle sur ta photo
        lea: merci t'es mignon aussi
        hugo: t'as quel âge ?
        lea: 15
        hugo: t'as snap ?
        lea: oui
        hugo: on se voit à la récré demain ?
    """,
        )
    )
    c.append(
        conv(
            "t3-bn-06",
            "benign:teen_flirt",
            "en",
            {"ben": P(16), "zoe": P(16)},
            """
        ben: you're really cute
        zoe: aww thanks
        ben: what grade are you in?
        zoe: 11th
        ben: wanna hang out after school?
        ben: what's your snap
    """,
        )
    )
    c.append(
        conv(
            "t3-gr-01",
            "grooming",
            "fr",
            {"tony": P(15), "eva": P(13)},
            """
        tony: salut
        tony: tu vas dans quel collège ?
        eva: jean jaurès
        tony: ah cool moi je suis plus vieux mais je connais
        tony: t'es super jolie
        tony: tu me fais confiance ?
        eva: oui
        tony: >envoie moi une photo en maillot
    """,
        )
    )
    c.append(
        conv(
            "t3-am-01",
            "ambush",
            "en",
            {"j3": P(22, 3000), "k3": P(35)},
            """
        j3: hey u into guys?
        k3: yeah
        j3: cool, pics? mine r private
        j3: >meet at the park tonight? the dark part near the trees lol
        j3: come alone
    """,
        )
    )
    c.append(
        conv(
            "t3-ha-01",
            "hate",
            "fr",
            {"x3": P(30), "y3": P(30)},
            """
        x3: les musulmans dehors
        y3: calme toi
    """,
            room="#politique",
        )
    )
    c.append(
        conv(
            "t3-sp-01",
            "spam",
            "fr",
            {"arn": P(25, 100), "v3": P(25)},
            """
        arn: Salut ! Je gagne 3000€/mois depuis chez moi, écris-moi sur whatsapp pour savoir comment
    """,
        )
    )
    c.append(
        conv(
            "t3-bn-01",
            "benign:teen_school",
            "fr",
            {"em16": P(16), "sa16": P(15)},
            """
        em16: t'as snap ?
        sa16: oui c'est emma.lol2010
        em16: ok je t'ajoute pour le devoir de svt
    """,
        )
    )
    c.append(
        conv(
            "t3-bn-02",
            "benign:adult_flirt",
            "fr",
            {"ju": P(19), "ma": P(20)},
            """
        ju: tu fais quoi ce soir ?
        ma: rien, et toi ?
        ju: soirée chez des potes, tu veux venir ?
        ma: grave, c'est où ?
        ju: chez Julie, 3 rue des fleurs, 2ème étage
    """,
        )
    )
    c.append(
        conv(
            "t3-bn-03",
            "benign:adult_flirt",
            "fr",
            {"aa3": P(30), "bb3": P(32)},
            """
        aa3: on se voit ce soir chez moi ?
        bb3: ok je viens vers 21h
        aa3: super
    """,
        )
    )
    c.append(
        conv(
            "t3-bn-04",
            "benign:lgbt_news",
            "fr",
            {"cc3": P(40), "dd3": P(41)},
            """
        cc3: le procès des agresseurs homophobes commence lundi
        dd3: ils avaient crié sale pd à la victime
    """,
        )
    )

    # ------------------------------------------------------------------ fourth tuning pass
    c.append(
        conv(
            "t4-gr-01",
            "grooming",
            "en",
            {"coachmike": P(34), "tim": P(14)},
            """
        coachmike: great practice today tim
        tim: thanks coach
        coachmike: you're my best player, really special
        coachmike: >how about i drive you home after saturday's game
        coachmike: don't mention it to your mom, she worries
        coachmike: text me on my personal number
    """,
        )
    )
    c.append(
        conv(
            "t4-gr-02",
            "grooming",
            "fr",
            {"kiki16": P(16), "lola": P(14)},
            """
        kiki16: t'es libre ce week end ?
        lola: oui pk
        kiki16: >je t'emmène au ciné, c'est moi qui paye
        kiki16: tes parents ont pas besoin de savoir
        kiki16: je passe te chercher en bas de chez toi
    """,
        )
    )
    c.append(
        conv(
            "t4-gr-03",
            "grooming",
            "en",
            {"jay17": P(17), "kay": P(14)},
            """
        jay17: u up?
        kay: ya
        jay17: wats ur age again
        kay: 14
        jay17: ur so hot for 14
        jay17: ur parents asleep?
        kay: yea
        jay17: >facetime me rn
    """,
        )
    )
    c.append(
        conv(
            "t4-am-01",
            "ambush",
            "en",
            {"ghost": P(25, 400), "dan4": P(41)},
            """
        ghost: hi, new here
        ghost: can't share pics, married
        ghost: can you host tonight?
        dan4: yes
        ghost: >send location and flat number, i'll be there in 10
    """,
        )
    )
    c.append(
        conv(
            "t4-ha-01",
            "hate",
            "en",
            {"a4": P(30), "b4": P(30)},
            """
        a4: all muslims are terrorists
        b4: not ok
    """,
            room="#news",
        )
    )
    c.append(
        conv(
            "t4-th-01",
            "threat",
            "en",
            {"c4": P(25), "d4": P(25)},
            """
        c4: i'm going to come to your house and hurt your family
    """,
        )
    )
    c.append(
        conv(
            "t4-bn-01",
            "benign:lgbt_news",
            "fr",
            {"e4": P(40), "f4": P(41)},
            """
        e4: le film sur le guet-apens de Drancy était dur à regarder
        f4: oui, le faux profil qui donne rendez-vous dans un parking, ça fait froid dans le dos
    """,
        )
    )
    c.append(
        conv(
            "t4-bn-02",
            "benign:adult_flirt",
            "en",
            {"g4": P(22), "h4": P(23)},
            """
        g4: come over tonight? my roommates are out
        h4: sure, what time?
        g4: 8, i'll cook
    """,
        )
    )
    c.append(
        conv(
            "t4-bn-03",
            "benign:teen_school",
            "fr",
            {"i4": P(17), "j4": P(16)},
            """
        i4: tu viens à la fête de samedi ?
        j4: si mes parents veulent
        i4: dis leur que c'est chez Léa, sa mère sera là
    """,
        )
    )
    c.append(
        conv(
            "t4-bn-04",
            "benign:adult_flirt",
            "fr",
            {"k4": P(45), "l4": P(44)},
            """
        k4: je suis discret sur ma vie privée, je préfère qu'on se voie dans un café d'abord
        l4: bien sûr, c'est plus prudent
    """,
        )
    )
    c.append(
        conv(
            "t4-bn-05",
            "benign:small_talk",
            "en",
            {"m4": P(35), "n4": P(33)},
            """
        m4: i'm 35, you?
        n4: 33
        m4: nice, what do you do?
        n4: teacher, 8th grade english actually
    """,
        )
    )

    # ------------------------------------------------------------------ fifth tuning pass
    c.append(
        conv(
            "t5-gr-01",
            "grooming",
            "en",
            {"dave": P(16), "mia5": P(14)},
            """
        dave: hey mia
        mia5: hey
        dave: what year are you in
        mia5: year 9
        dave: you're very pretty for year 9
        dave: does your mum check your messages?
        mia5: no
        dave: good, keep it that way
        dave: >i'll send you a gift card if you send a pic
    """,
        )
    )
    c.append(
        conv(
            "t5-gr-02",
            "grooming",
            "fr",
            {"thib": P(16), "clem5": P(15)},
            """
        thib: coucou
        clem5: slt
        thib: t'as quel âge ?
        clem5: 15
        thib: tu peux tout me dire tu sais, je juge pas
        thib: tes parents fouillent ton tel ?
        clem5: non
        thib: ok cool, on peut parler de trucs plus perso alors
    """,
        )
    )
    c.append(
        conv(
            "t5-am-01",
            "ambush",
            "en",
            {"mike5": P(26, 900), "lee5": P(32)},
            """
        mike5: hey sexy
        lee5: hi
        mike5: looking for fun now, u alone?
        lee5: yes
        mike5: whats ur postcode
        lee5: e8
        mike5: exact address? i'm near, no pics tho
    """,
        )
    )
    c.append(
        conv(
            "t5-am-02",
            "ambush",
            "fr",
            {"anto": P(24, 1200), "hugo5": P(29)},
            """
        anto: salut t'es dispo ?
        hugo5: oui
        anto: t'es où ?
        hugo5: montreuil
        anto: je connais un coin tranquille derrière la voie ferrée
        anto: >viens maintenant, seul
    """,
        )
    )
    c.append(
        conv(
            "t5-bn-01",
            "benign:adult_flirt",
            "fr",
            {"n5a": P(28), "n5b": P(30)},
            """
        n5a: salut ! tu habites où ?
        n5b: à Nantes
        n5a: ah moi aussi, quartier ?
        n5b: centre
        n5a: cool, on pourrait se croiser au marché un de ces jours
    """,
        )
    )
    c.append(
        conv(
            "t5-bn-02",
            "benign:teen_school",
            "fr",
            {"n5c": P(16), "n5d": P(15)},
            """
        n5c: t'es seule chez toi ?
        n5d: oui mes parents sont au boulot
        n5c: ok j'arrive pour réviser, ma mère me dépose
    """,
        )
    )
    c.append(
        conv(
            "t5-bn-03",
            "benign:small_talk",
            "fr",
            {"n5e": P(30), "n5f": P(29)},
            """
        n5e: tu vis seul ?
        n5f: oui depuis 2 ans
        n5e: moi aussi, c'est calme mais parfois un peu triste
    """,
        )
    )
    c.append(
        conv(
            "t5-bn-04",
            "benign:educational",
            "en",
            {"n5g": P(40), "n5h": P(41)},
            """
        n5g: my daughter is 14 and got a message from a stranger asking for pics
        n5h: report it to the police and ceop
        n5g: done, thanks
    """,
        )
    )
    c.append(
        conv(
            "t5-bn-05",
            "benign:adult_flirt",
            "en",
            {"n5i": P(31), "n5j": P(33)},
            """
        n5i: are you alone tonight? fancy a movie at the cinema?
        n5j: yes, the 8pm one?
        n5i: perfect
    """,
        )
    )
    return c


# ---------------------------------------------------------------------- templates
GR_FR = {
    "hello": ["salut", "coucou", "cc ça va ?", "hey"],
    "reply": ["oui", "ça va", "mdr", "ok", "ah bon", "trop bien", "jsp", "peut-être"],
    "probe": [
        "t'as quel âge ?",
        "tu es en quelle classe ?",
        "tu es au collège ?",
        "c'est quoi ton âge ?",
    ],
    "age": ["14", "j'ai 13 ans", "jsuis en 4ème", "15 et toi ?", "en 3ème"],
    "flatter": [
        "t'es trop belle",
        "t'es vraiment mignonne",
        "t'es mature pour ton âge",
        "tu fais plus que ton âge",
        "t'es pas comme les autres filles",
    ],
    "secret": [
        "dis rien à tes parents",
        "c'est notre secret",
        "efface nos messages après",
        "personne doit savoir qu'on parle",
    ],
    "alone": ["t'es seule chez toi ?", "tes parents rentrent quand ?", "y a quelqu'un avec toi ?"],
    "isolate": [
        "tes parents te comprennent pas",
        "moi je te comprends",
        "tes copines sont jalouses de toi",
    ],
    "gift": [
        "je peux t'acheter des v-bucks",
        "je te paye ton forfait",
        "je t'offre une carte cadeau",
    ],
    "push": [
        ">ajoute moi sur snap",
        ">envoie moi une photo de toi",
        ">on se voit samedi ?",
        ">donne moi ton numéro",
        ">on continue sur insta",
    ],
}
GR_EN = {
    "hello": ["hi", "hey there", "hello", "hey :)"],
    "reply": ["ok", "yeah", "lol", "maybe", "cool", "idk", "really?"],
    "probe": [
        "how old are you?",
        "what grade are you in?",
        "are you in middle school?",
        "what's your age?",
    ],
    "age": ["13", "i'm 14", "i'm in 8th grade", "15 wbu", "14 yo"],
    "flatter": [
        "you're so pretty",
        "you're really cute",
        "you're mature for your age",
        "you seem older than your age",
        "you're not like the others",
    ],
    "secret": [
        "don't tell your parents",
        "it's our little secret",
        "delete our chat after",
        "no one needs to know we talk",
    ],
    "alone": ["are you home alone?", "when do your parents get home?", "is anyone with you?"],
    "isolate": [
        "your parents don't understand you",
        "only i understand you",
        "your friends are jealous of you",
    ],
    "gift": ["i can buy you robux", "i'll get you a gift card", "i could send you money"],
    "push": [
        ">add me on snap",
        ">send me a pic",
        ">let's meet this weekend",
        ">what's your number?",
        ">let's talk on whatsapp",
    ],
}
AM_FR = {
    "hello": ["salut", "bonsoir", "slt ça va"],
    "reply": ["oui", "ok", "d'accord", "pourquoi pas", "hmm"],
    "discreet": ["t'es discret ?", "tu vis seul ?", "plan discret ?"],
    "refuse": ["pas de photo désolé", "je fais pas de cam", "tu verras sur place"],
    "meet": [">on se voit ce soir ?", ">viens me rejoindre maintenant", ">rdv ce soir ?"],
    "alone": ["viens seul", "sans tes potes hein", "préviens personne"],
    "place": [
        "au parking derrière la gare",
        "dans le bois",
        "en bas de la tour",
        "dans le hall de l'immeuble",
    ],
    "addr": ["c'est quoi ton adresse ?", "t'habites où exactement ?", "quel étage ?"],
}
AM_EN = {
    "hello": ["hey", "hi", "sup"],
    "reply": ["yes", "ok", "sure", "maybe", "hmm"],
    "discreet": ["are you discreet?", "do you live alone?", "dl meet?"],
    "refuse": ["no pics sorry", "i don't do facetime", "you'll see me in person"],
    "meet": [">meet tonight?", ">come over now", ">let's meet up tonight"],
    "alone": ["come alone", "don't bring anyone", "alone ok?"],
    "place": ["the parking lot behind the store", "the woods by the lake", "behind the station"],
    "addr": ["what's your address?", "where do you live exactly?", "which floor?"],
}
BN_TEEN_FR = [
    "t'as révisé pour le contrôle ?",
    "grave, c'était chaud",
    "on joue à minecraft ?",
    "le prof de français est relou",
    "t'as vu le dernier épisode ?",
    "mdr trop bien",
    "j'ai cours demain à 8h",
    "on se capte à la récré",
    "t'es en quelle classe ?",
    "en seconde",
    "j'ai eu 15 en maths",
    "bravo !",
]
BN_TEEN_EN = [
    "did you finish the homework?",
    "nah it's too long",
    "wanna play roblox?",
    "sure",
    "the math test was so hard",
    "lol same",
    "what class are you in?",
    "year 10",
    "see you at lunch",
    "ok cool",
    "i got a b on my essay",
    "nice!",
]
BN_ADULT_FR = [
    "j'adore cette série",
    "moi aussi !",
    "tu fais quoi ce week-end ?",
    "je vais au cinéma",
    "on pourrait se voir au café samedi ?",
    "avec plaisir",
    "t'as un joli sourire",
    "merci c'est gentil",
    "je bosse dans l'informatique",
    "moi je suis prof",
    "ça te dit un resto vendredi ?",
    "oui carrément",
]
BN_ADULT_EN = [
    "i love that show",
    "me too!",
    "what are you up to this weekend?",
    "going to the cinema",
    "want to grab a coffee on saturday?",
    "sure",
    "you have a lovely smile",
    "thank you",
    "i work in marketing",
    "i'm a nurse",
    "dinner at the restaurant on friday?",
    "sounds great",
]


def _pick(rng: random.Random, pool: list[str]) -> str:
    return rng.choice(pool)


def templated(seed: int = 4) -> list[Conv]:
    """Template compositions: grooming and ambush by stages, benign small talk."""
    rng = random.Random(seed)
    out: list[Conv] = []
    for i in range(16):
        lang = "fr" if i % 2 == 0 else "en"
        pools = GR_FR if lang == "fr" else GR_EN
        adult_declares_teen = i % 3 != 0
        g_age = 16 if adult_declares_teen else 19
        v_age = 14 if adult_declares_teen else 19
        g, v = f"g{i}", f"v{i}"
        lines = [
            f"{g}: {_pick(rng, pools['hello'])}",
            f"{v}: {_pick(rng, pools['reply'])}",
            f"{g}: {_pick(rng, pools['probe'])}",
            f"{v}: {_pick(rng, pools['age'])}",
        ]
        stages = ["flatter", "secret", "alone", "isolate", "gift"]
        rng.shuffle(stages)
        for st in ["flatter", *[s for s in stages if s != "flatter"][: rng.randint(1, 3)]]:
            lines.append(f"{g}: {_pick(rng, pools[st])}")
            if rng.random() < 0.5:
                lines.append(f"{v}: {_pick(rng, pools['reply'])}")
        lines.append(f"{g}: {_pick(rng, pools['push'])}")
        out.append(
            conv(
                f"t-gr-tpl-{i:02d}",
                "grooming",
                lang,
                {g: Person(g_age, 5e5), v: Person(v_age)},
                "\n".join(lines),
            )
        )
    for i in range(12):
        lang = "fr" if i % 2 == 0 else "en"
        pools = AM_FR if lang == "fr" else AM_EN
        lure, vic = f"l{i}", f"w{i}"
        lines = [
            f"{lure}: {_pick(rng, pools['hello'])}",
            f"{vic}: {_pick(rng, pools['reply'])}",
            f"{lure}: {_pick(rng, pools['discreet'])}",
            f"{vic}: {_pick(rng, pools['reply'])}",
        ]
        if rng.random() < 0.7:
            lines.append(f"{lure}: {_pick(rng, pools['refuse'])}")
        lines.append(f"{lure}: {_pick(rng, pools['meet'])}")
        lines.append(f"{vic}: {_pick(rng, pools['reply'])}")
        extra = ["alone", "place", "addr"]
        rng.shuffle(extra)
        for st in extra[: rng.randint(2, 3)]:
            lines.append(f"{lure}: {_pick(rng, pools[st])}")
        out.append(
            conv(
                f"t-am-tpl-{i:02d}",
                "ambush",
                lang,
                {
                    lure: Person(24, rng.choice([300.0, 1800.0, 20000.0])),
                    vic: Person(rng.randint(25, 55)),
                },
                "\n".join(lines),
            )
        )
    for i in range(34):
        lang = "fr" if i % 2 == 0 else "en"
        teen = i % 3 == 0
        pool = (
            (BN_TEEN_FR if lang == "fr" else BN_TEEN_EN)
            if teen
            else (BN_ADULT_FR if lang == "fr" else BN_ADULT_EN)
        )
        a, b = f"a{i}", f"b{i}"
        ages = (15, 16) if teen else (rng.randint(20, 50), rng.randint(20, 50))
        n = rng.randint(5, 9)
        start = rng.randrange(0, len(pool) - 1)
        lines = [f"{a if k % 2 == 0 else b}: {pool[(start + k) % len(pool)]}" for k in range(n)]
        kind = "benign:teen_school" if teen else "benign:adult_flirt"
        out.append(
            conv(
                f"t-bn-tpl-{i:02d}",
                kind,
                lang,
                {a: Person(ages[0]), b: Person(ages[1])},
                "\n".join(lines),
            )
        )
    return out


def conversations() -> list[Conv]:
    """The whole tuning part."""
    return hand_written() + templated()
