"""Transactional anchors: a notification must be *about* something the customer has.

A utility message refers to a transaction, an account or a service event: an order, a
booking, a payment, a parcel, a code, a time slot, or is a customer-service reply. A message
that names none of them ("Make every morning better with our beans") is not a notification,
whatever its wording, so it is refused even when no promotional keyword appears.
"""

from __future__ import annotations

import re
from collections.abc import Set

from notifybot.policy.normalise import fold_pattern, fold_word

_WORDS = (
    # English
    "order orders ordered booking booked reservation reserved appointment flight flights "
    "parcel package packages delivery delivered deliver shipped shipment dispatched courier "
    "refund refunded invoice receipt payment paid pay charged charge fee fees account balance "
    "statement ticket tickets boarding gate seat driver ride trip fare confirmed cancelled "
    "canceled delayed rescheduled moved ready pickup collect collection due reminder code "
    "password verification login pin card transfer subscription renewal renewed claim results "
    "prescription technician installation outage repair repaired service serviced warranty "
    "return returned exchange bill bills loan mortgage deposit withdrawal debit credit "
    "contract policy premium plan tariff meter request requested requests ticket agent reply "
    "support complaint case application visa passport exam class session lesson check-in "
    "checkin check-out checkout room stay guests table rider arrival arriving arrive arrived "
    "departure departs tracking track status update updated changed expires expired "
    "overdrawn overdue transaction purchase purchased item items bag baggage luggage train "
    "platform coach bus ferry rental vehicle car mot dentist doctor clinic pharmacy "
    "vaccination viewing keys stock outofstock substituted substitution waived "
    # French
    "commande commandes commandé réservation réservé rendez-vous vol vols colis livraison "
    "livré livrée livrés expédié expédiée expédition transporteur remboursement remboursé "
    "facture reçu paiement payé payée débité débitée prélèvement prélevé frais compte solde "
    "relevé billet billets embarquement porte siège chauffeur course trajet tarif confirmé "
    "confirmée annulé annulée retardé retardée reporté décalé prêt prête retrait retirer "
    "échéance rappel code mot identifiant carte virement abonnement renouvelé renouvellement "
    "réclamation dossier résultats ordonnance technicien installation coupure réparation "
    "réparé garantie retour échange contrat police prime forfait demande conseiller réponse "
    "répondez répondre chambre séjour arrivée départ suivi statut modifié expire expiré "
    "débiteur opération achat article articles bagage bagages train voie voiture véhicule "
    "location révision pharmacie kinésithérapeute médecin visite clés ménage linge "
    "prescription prêt échéancier crédité indemnisation préfecture créneau "
    # Spanish
    "pedido pedidos reserva reservado cita vuelo vuelos paquete envío entrega entregado "
    "entregada enviado mensajero reembolso reembolsaremos factura recibo pago pagado cargo "
    "cargado cobrado comisión comisiones cuenta saldo billete billetes embarque puerta asiento "
    "conductor viaje tarifa confirmada confirmado cancelada cancelado retrasado retrasada "
    "cambiado listo lista recogida recoger recogerlo vencimiento recordatorio código contraseña "
    "tarjeta transferencia suscripción renovado renovación reclamación resultados receta "
    "técnico instalación corte reparación reparado garantía devolución cambio contrato póliza "
    "prima solicitud agente responde responderá habitación estancia llegada salida "
    "seguimiento estado modificado caduca caducado descubierto movimiento compra artículo "
    "artículos maleta equipaje tren vía coche vehículo alquiler revisión farmacia médico "
    "clínica visita llaves limpieza ropa préstamo hipoteca cuota abonaremos abonado franja "
    "butaca cubierta "
    # inflections and service words shared by all three
    "nights night message messages mensaje escribirnos écrire confirmadas confirmados "
    "confirmées confirmés facturé facturée facturées annulation décalée décalés collecte "
    "cobrará cobrar cobramos entradas fila scheduled schedule notice alert security secure "
    "tomorrow demain mañana yesterday hier ayer expected prévue prévu prevista previsto "
    "lodge hotel hôtel check nuits noches noche nuit number numéro número call appelez llama "
    "llámanos contact contactez contacta "
    # arrivals and pick-ups, and the messaging service itself (opt-out / opt-in confirmations)
    "llegando llegará llega llegó pasará pasa recogerte placas matrícula arrivera arrivant "
    "plaque immatriculation mensajes recibir recibirás recibiras volverás recevoir recevrez "
    "recevrez stop start alta baja arrêt "
    # customer-service conversation (replies inside the 24-hour window)
    "thanks thank merci gracias sorry désolé désolée désolés sentimos siento disculpa "
    "disculpas help aide aider ayuda ayudarte ayudar question questions pregunta preguntas "
    "patience paciencia hours horaires horario closed fermé fermés fermée cerrado cerrados "
    "cerrada office offices bureaux oficina oficinas holiday holidays fériés festivos "
    "respond respondemos revenons reviendrons tell dites cuéntanos issue problème problema "
    "happened arrivé pasado looking problem welcome pleasure gusto journée día"
)

ANCHOR_WORDS: frozenset[bytes] = frozenset(fold_word(w).encode() for w in _WORDS.split())

#: Times, dates, references and amounts-with-status also anchor a message to an event.
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    "|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
)
_EVENT = re.compile(fold_pattern(
    r"\b\d{1,2}[:h]\d{2}\b|#\s?\d{3,}|\bn[o°]\s?\d{3,}|\b[a-z]{0,3}\d{5,}\b|\b\d{3} \d{3}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th|er)? (?:de )?(?:" + _MONTHS + r")\b"
))


def has_transaction(skeleton: str, tokens: Set[bytes]) -> bool:
    """Whether the message refers to a transaction, an account or a service event."""
    return not ANCHOR_WORDS.isdisjoint(tokens) or _EVENT.search(skeleton) is not None
