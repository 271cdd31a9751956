"""Words a hotline hears, in French and English, combined into plausible ticket titles and messages."""

from __future__ import annotations

import random

FR_SUBJECTS = [
    "Mot de passe oublié",
    "Compte bloqué",
    "Imprimante hors service",
    "VPN qui ne se connecte pas",
    "Outlook ne s'ouvre plus",
    "Écran noir au démarrage",
    "Accès au dossier partagé",
    "Teams sans son",
    "Installation d'un logiciel",
    "Nouvel arrivant à équiper",
    "Badge refusé",
    "Wi-Fi instable",
    "Caisse bloquée en boutique",
    "Scanner de quai muet",
    "Lenteurs sur l'ERP",
    "Pièce jointe trop lourde",
]
FR_PLACES = ["au siège", "à l'atelier", "en boutique", "au 2e étage", "à l'entrepôt", "en télétravail"]
FR_DETAILS = [
    "depuis ce matin",
    "depuis la mise à jour",
    "après le redémarrage",
    "pour toute l'équipe",
    "uniquement sur mon poste",
    "par intermittence",
    "depuis mon retour de congés",
]
EN_SUBJECTS = [
    "Forgotten password",
    "Locked account",
    "Printer out of order",
    "VPN will not connect",
    "Outlook does not open",
    "Black screen at start-up",
    "Access to shared drive",
    "No sound in Teams",
    "Software installation",
    "New starter set-up",
    "Badge refused",
    "Unstable Wi-Fi",
    "Warehouse scanner not responding",
    "ERP is slow",
    "Attachment too large",
    "Phone shows no service",
]
EN_PLACES = ["at head office", "in the warehouse", "on the 3rd floor", "at the depot", "working from home"]
EN_DETAILS = [
    "since this morning",
    "since the update",
    "after a restart",
    "for the whole team",
    "only on my laptop",
    "on and off",
    "since I came back from leave",
]
FR_REPLIES = [
    "Bonjour, nous prenons votre demande en charge.",
    "Pouvez-vous redémarrer le poste et nous dire ?",
    "Le mot de passe a été réinitialisé, merci de le changer à la connexion.",
    "C'est réglé de notre côté.",
]
EN_REPLIES = [
    "Hello, we are looking into it.",
    "Could you restart the computer and let us know?",
    "Your password has been reset; please change it when you sign in.",
    "This is fixed on our side.",
]
FIRST_NAMES = ["Camille", "Louis", "Emma", "Hugo", "Léa", "Jules", "Chloé", "Oliver", "Amelia", "Jack", "Mia"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Smith", "Jones", "Taylor", "Brown", "Petit"]


def title(rng: random.Random, language: str) -> str:
    if language == "fr":
        return f"{rng.choice(FR_SUBJECTS)} {rng.choice(FR_PLACES)}"
    return f"{rng.choice(EN_SUBJECTS)} {rng.choice(EN_PLACES)}"


def description(rng: random.Random, language: str, subject: str) -> str:
    if language == "fr":
        return f"Bonjour, {subject.lower()} {rng.choice(FR_DETAILS)}. Merci de votre aide."
    return f"Hello, {subject.lower()} {rng.choice(EN_DETAILS)}. Thanks for your help."


def reply(rng: random.Random, language: str) -> str:
    return rng.choice(FR_REPLIES if language == "fr" else EN_REPLIES)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
