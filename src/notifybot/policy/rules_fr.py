"""French wording rules (accents and case are folded away before matching)."""

from __future__ import annotations

from notifybot.policy.rule import Rule, rule, windowed

_M = r"(?:E\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:E|eur\b|euros?\b))"
_ACHAT = r"(?:commande|achat|course|réservation|séjour|visite|livraison|location|trajet|panier)"

#: Benign uses of "free" (also used by the combined cues).
FREE_OK = (
    r"(?:annulation|report|modification|changement|numéro|appel|ligne|service client"
    r"|modifications|changements|annulations"
    r"|parking|stationnement|wi-?fi|accès wi-?fi|réacheminement|remplacement|réparation"
    r"|retour|échange|assistance|navette) (?:est |sont )?gratuite?s?|gratuite?s? (?:jusqu'"
    r"|avant|pour les clients|pour nos clients)|(?:réacheminée?s?|être réacheminée?s?"
    r"|remboursée?s?|remplacée?s?|réparée?s?|échangée?s?|annuler|modifier|reporter|changer"
    r"|réparé|renvoyé)"
    r" gratuitement|gratuitement (?:jusqu'|avant)|est gratuit pour (?:les|nos) clients"
    r"|(?:essai|période d'essai) gratuite? (?:se termine|prend fin|expire|a expiré|s'achève"
    r"|se terminera)"
)

RULES: tuple[Rule, ...] = (
    rule(
        "discount.fr", "réduction ou remise proposée",
        r"\bréductions?\b", r"\bremises?\b", r"\brabais\b", r"\bristournes?\b",
        r"\bprix (?:réduits?|cassés|barrés|mini|choc|spéciaux?|exceptionnels?|imbattables?"
        r"|doux|de lancement)\b",
        r"\béconomise[rz]\b", r"\bfaites des économies\b",
        r"\bbons? (?:de réduction|d'achat|plans?)\b", r"\bmoitié prix\b",
        r"\bà prix (?:réduit|mini|cassé|doux|coûtant)\b",
        unless=r"réductions? d'impôts?|remise en (?:main propre|service|état|cause|forme)"
        r"|remise (?:du|de la|des|de votre|de vos) (?:colis|clés?|commande|véhicule|document"
        r"|dossier|chèque|bagage)|remise à (?:niveau|zéro|jour)|(?:après|avec|incluant) (?:la |"
        r"votre )?(?:remise|réduction) (?:de |appliquée)|(?:remise|réduction) (?:a été |déjà )?"
        r"appliquée|(?:remise|réduction)\b[^!?\n]{0,40}(?:a été|est|déjà) (?:appliquée|déduite)",
    ),
    windowed(
        "discount.fr.next", "réduction sur le prochain achat",
        "prochaine prochain premier première",
        r"(?:%|" + _M + r")[^.!?\n]{0,40}\bsur (?:votre|ta|ton) (?:prochaine?|premier|première)"
        r" " + _ACHAT,
        back=60, ahead=40,
    ),
    rule(
        "coupon.fr", "code promo ou bon de réduction",
        r"\bcodes? promo(?:tionnels?)?\b",
        r"\b(?:avec|utilise[rz]?|saisisse[rz]?|entre[rz]?) (?:le )?code (?!\d)[a-z0-9]{3,}",
        unless=r"code promo (?:n'a pas|ne peut|a expiré|expiré|a été appliqué|est expiré)",
    ),
    rule(
        "sale.fr", "soldes ou vente promotionnelle",
        r"\bsoldes\b", r"\bventes? (?:privées?|flash|exceptionnelles?|spéciales?)\b",
        r"\bdéstockage\b", r"\bdémarque\b", r"\bmeilleures ventes\b",
        unless=r"soldes? (?:de (?:congés|tout compte|votre compte|vos comptes)|bancaires?"
        r"|disponibles?|créditeurs?|débiteurs?)",
    ),
    rule(
        "offer.fr", "offre promotionnelle",
        r"\boffres? (?:spéciales?|exclusives?|limitées?|promotionnelles?|de (?:lancement"
        r"|bienvenue|noël|printemps|l'été|la rentrée|la semaine|du moment|fin d'année)|découverte"
        r"|imbattables?|incroyables?|à ne pas manquer|flash|privilège|réservée?s?)\b",
        r"\b(?:nos|toutes nos|les meilleures|nos meilleures|nouvelles|découvrez nos) offres\b",
        r"\bprofitez(?:-en| en)\b",
        r"\bprofitez (?:de |d')(?:notre|nos|cette|cet|l'offre|\d|-|la promo|[^.!?\n]{0,40}"
        r"(?:réduction|remise|offert|promo|%|gratuit|prix))",
        r"\bj'en profite\b", r"\bachetée?s?\W{1,5}(?:la |le )?\d+(?:e|ème)? offerte?s?\b",
        r"\boffert(?:e|s|es)?\b",
        unless=r"(?:est|sont|a été|ont été|vous est|vous sont) offerte?s? (?:par|à titre"
        r"|en (?:compensation|dédommagement|geste))|offerte? (?:en (?:compensation|dédommagement"
        r"|geste commercial)|par (?:la|le|votre|l'))",
    ),
    rule(
        "free.fr", "gratuité promotionnelle",
        r"\bgratuite?s?\b", r"\bgratuitement\b",
        unless=FREE_OK,
    ),
    rule(
        "gift.fr", "cadeau, jeu-concours ou tirage au sort",
        r"\bcadeaux?\b", r"\btente[rz]? (?:de gagner|votre chance|ta chance)\b",
        r"\bgagne[rz]\b", r"\bconcours\b", r"\btirage au sort\b",
        unless=r"(?:cartes?|chèques?|bons?|coffrets?) cadeaux?|(?:emballage|papier) cadeaux?"
        r"|gagne[rz] du temps|cadeaux? (?:a été|est) (?:livré|expédié)",
    ),
    rule(
        "upsell.fr", "offre de surclassement ou d'option payante",
        r"\bsurclass(?:ement|ez|er)\b",
        r"\bpasse[rz] (?:à|en|au) (?:l'offre |la formule |l'abonnement |la classe )?(?:premium"
        r"|plus|pro|gold|illimité|supérieur|business|affaires|première|vip)\b",
        r"\bpour (?:seulement|juste|uniquement|seul) \d",
        unless=r"surclassement\b[^.!?\n]{0,60}(?:est |a (?:bien )?été )?(?:confirmé|effectué"
        r"|pris en compte|validé|appliqué)|(?:votre|le) passage en",
    ),
    rule(
        "cross-sell.fr", "vente croisée ou recommandation",
        r"\bvous aimerez (?:aussi|également)\b", r"\bvous pourriez (?:aussi |également )?aimer\b",
        r"\bcomplétez votre (?:look|tenue|collection)\b", r"\bassortie?s? à votre\b",
        r"\bajoutez\b[^.!?\n]{0,50}\b(?:pour seulement|à prix réduit|à partir de|en promo|"
        r"avec \d+\s?%|maintenant)",
        r"\ben attendant,? découvrez\b",
        r"\bdécouvrez (?:aussi|également|nos|notre|la nouvelle|le nouveau|les nouveautés)\b",
    ),
    rule(
        "re-engagement.fr", "relance d'un client inactif ou panier abandonné",
        r"\bvous nous manquez\b", r"\btu nous manques\b",
        r"\b(?:cela|ça) fait (?:longtemps|un moment|un bail)\b",
        r"\brevenez (?:nous voir|vite|et)\b", r"\bon ne vous voit plus\b",
        r"\bvous avez oublié (?:quelque chose|des articles|un article)",
        r"\bvotre panier (?:vous attend|est toujours|n'attend)\b", r"\bdans votre panier\b",
        r"\bfinalisez votre (?:commande|achat)\b",
    ),
    rule(
        "browse-abandonment.fr", "rappel de produits consultés ou vente croisée",
        r"\bque vous avez (?:consulté|regardé|aimé|vu)e?s?\b", r"\breprenez (?:là )?où vous\b",
        r"\bnous (?:faisons|proposons|vendons) aussi\b",
        r"\bvous pouvez aussi (?:assurer|ajouter|réserver)\b", r"\bavec notre partenaire\b",
    ),
    rule(
        "announcement.fr", "annonce de nouveauté ou d'ouverture",
        r"\bnouveautés?\b", r"\bnouvelles? collections?\b",
        r"\bnouveaux? (?:magasins?|boutiques?|restaurants?|produits?|menus?|burgers?|saveurs?"
        r"|modèles?|gammes?|soins?|services?)\b",
        r"\bnouvelles? (?:boutiques?|gammes?|cartes?|saveurs?|adresses?|enseignes?|recettes?)\b",
        r"\bouvre ses portes\b", r"\bgrande? ouverture\b", r"\bvient d'ouvrir\b",
        r"\bouverture (?:de notre|du nouveau|de la nouvelle|de nos)\b",
        r"\bdisponibles? dès (?:maintenant|aujourd'hui) en (?:boutique|magasin)\b",
        r"\b(?:offre|prix) de lancement\b", r"\bvenez (?:nombreux|découvrir|déguster|goûter)\b",
        r"\b(?:le printemps|l'été|l'automne|l'hiver|les fêtes|noël) (?:est|sont) (?:là|arrivée?s?"
        r"|de retour)\b",
        r"\brenouvelez votre (?:garde-robe|look|style|intérieur)\b",
        r"\bvos favoris vous attendent\b", r"\btouchez pour recommander\b",
        r"\bquelque chose de spécial pour vous\b", r"\btout le monde (?:parle|en parle)\b",
        r"\bcoup de neuf\b", r"\bdu bon pied\b", r"\bdites bonjour à (?:un|une|la|le|notre|nos)\b",
        unless=r"nouvelle adresse (?:de livraison|de facturation)",
    ),
    rule(
        "app-install.fr", "incitation à installer l'application",
        r"\btélécharge[rz] (?:notre |l'|la |notre nouvelle )?(?:appli(?:cation)?|app)\b",
        r"\binstalle[rz] (?:notre |l'|la )?(?:appli(?:cation)?|app)\b",
    ),
    rule(
        "referral.fr", "incitation au parrainage",
        r"\bparrain(?:ez|age|er)\b", r"\binvite[rz] (?:vos|tes|un|des) amis?\b",
        r"\bpour chaque (?:ami|filleul|inscription)\b",
    ),
    rule(
        "loyalty.fr", "incitation au programme de fidélité",
        r"\bpoints (?:de )?fidélité (?:doublés|x\d|bonus|en plus)\b",
        r"\b(?:cumulez|gagnez|accumulez|doublez) (?:des |vos |\d+ |plus de )?points\b",
        r"\bpoints doublés\b", r"\brejoignez (?:notre|le) (?:programme|club)\b",
        r"\bprogramme de fidélité\b", r"\bdevenez (?:membre|client privilège|vip)\b",
        r"\bréservée?s? aux (?:membres|abonnés|clients fidèles)\b",
    ),
    rule(
        "greeting.fr", "vœux ou attention sans lien avec une transaction",
        r"\bjoyeux (?:anniversaire|noël)\b", r"\bbonne (?:fête|année)\b",
        r"\bmeilleurs vœux\b",
        r"\b(?:cadeau|surprise|offre|réduction|remise|dessert|boisson|café|part de gâteau)"
        r"(?: \w+){0,3} vous attend(?:ent)?\b",
    ),
    rule(
        "price-pitch.fr", "prix d'appel ou baisse de prix",
        r"\bà partir de \d+(?:[.,]\d+)?\s?(?:E|euros?)",
        r"\bprix\b[^.!?\n]{0,50}\b(?:baissent|baissé|baisser|en baisse|chutent|dégringolent)\b",
        r"\bspécial (?:week-end|été|noël|fêtes|rentrée|saint-valentin|printemps)\b",
        r"\ben avant-première\b", r"\bpayez moins cher\b", r"\bgrande nouvelle\b",
        r"\brien que pour vous\s?[:!]", r"\bréservée? aux nouveaux (?:abonnés|clients)\b",
        r"\bsélection (?:de \w+ )?(?:choisie|pensée) (?:pour vous|par notre équipe)\b",
        r"\b(?:livre|propose|ouvre|livrons|proposons) désormais\b",
        r"\butilisez-(?:les|le) (?:sur|pour) votre prochaine?\b",
        r"\bmois (?:de|d') ?(?:premium|plus)\b", r"\baccès (?:anticipé|exclusif|en avant-première)",
        r"\bachetez \d+,? payez \d+\b",
    ),
    rule(
        "survey-reward.fr", "questionnaire ou avis récompensé",
        r"\b(?:avis|questionnaire|enquête|sondage)\b[^.!?\n]{0,80}\b(?:gagner|tentez|bon d'achat"
        r"|bon de réduction|cadeau|tirage|récompense|\d+\s?%|" + _M + r")",
    ),
    rule(
        "urgency.fr", "pression commerciale (dernière chance, durée limitée)",
        r"\bdernière chance\b", r"\bne (?:manquez|ratez) pas\b", r"\bdépêchez-vous\b",
        r"\bplus que \d+ (?:jours?|heures?)\b", r"\bjusqu'à épuisement des stocks\b",
        r"\b(?:aujourd'hui|ce (?:week-end|soir)) (?:seulement|uniquement)\b",
        r"\b(?:seulement|uniquement) (?:aujourd'hui|ce week-end|ce soir)\b",
        r"\bpendant \d+ ?h\b", r"\bdurée limitée\b", r"\btemps limité\b",
        r"\bquantités? limitées?\b", r"\bcommandez vite\b", r"\bplaces limitées\b",
        r"\bpartent vite\b", r"\bréservez la vôtre\b", r"\bne dureront pas\b",
        r"\bplus que quelques (?:places|chambres|billets|articles|tables)\b",
        r"\bavant la hausse des prix\b", r"\bsoyez (?:parmi )?les premiers\b",
        r"\bvous attendent (?:dans|en) (?:notre|nos) (?:\w+ )?(?:boutique|magasin)s?\b",
        r"\blaissez-nous aussi\b",
        unless=r"ne (?:manquez|ratez) pas (?:votre|l'embarquement|le départ|votre rendez-vous)",
    ),
)
