# ruff: noqa: ISC004, E501 - long texts read best as one literal per paragraph, one entry a line
"""The demo knowledge base: the answers a first-line hotline gives every day, in French and English.

Each entry: key, category, tags, then the French and English versions as (slug, title, body).
"""

from __future__ import annotations

# key: (parent key, French name, English name)
CATEGORIES = {
    "accounts": ("", "Comptes et mots de passe", "Accounts and passwords"),
    "email": ("", "Messagerie et Outlook", "E-mail and Outlook"),
    "network": ("", "Réseau, VPN et Wi-Fi", "Network, VPN and Wi-Fi"),
    "printing": ("", "Impression", "Printing"),
    "workstation": ("", "Poste de travail", "Workstation"),
    "collaboration": ("", "Teams et travail collaboratif", "Teams and collaboration"),
    "security": ("", "Sécurité", "Security"),
    "telephony": ("", "Téléphonie", "Telephony"),
}

Version = tuple[str, str, str]
ARTICLES: list[tuple[str, str, tuple[str, ...], Version, Version]] = [
    ("password-reset", "accounts", ("mot-de-passe", "password", "windows"),
     ("mot-de-passe-oublie", "Mot de passe oublié : réinitialiser votre mot de passe Windows et Microsoft 365",
      "Vous avez oublié votre mot de passe ou il a expiré ? Vous pouvez le réinitialiser vous-même.\n\n"
      "1. Depuis un autre appareil, ouvrez **https://passwordreset.microsoftonline.com**.\n"
      "2. Saisissez votre adresse e-mail professionnelle et le code reçu par SMS.\n"
      "3. Choisissez un nouveau mot de passe : 12 caractères minimum, une majuscule, un chiffre.\n"
      "4. Sur votre PC, connectez-vous avec le nouveau mot de passe (restez branché au réseau de l'entreprise "
      "ou au VPN pour que la session Windows le prenne en compte).\n\n"
      "Si la réinitialisation en libre-service échoue, appelez la hotline : un technicien vérifie votre "
      "identité et vous donne un mot de passe provisoire à changer à la première connexion."),
     ("forgotten-password", "Forgotten password: reset your Windows and Microsoft 365 password",
      "Forgot your password, or has it expired? You can reset it yourself.\n\n"
      "1. From another device, open **https://passwordreset.microsoftonline.com**.\n"
      "2. Enter your work e-mail address and the code sent to you by text message.\n"
      "3. Choose a new password: at least 12 characters, one capital letter, one digit.\n"
      "4. On your PC, sign in with the new password while connected to the office network or the VPN so that "
      "Windows picks it up.\n\n"
      "If self-service reset fails, call the service desk: an analyst checks your identity and gives you a "
      "temporary password that you change at first sign-in.")),
    ("account-locked", "accounts", ("compte", "verrouillage", "lockout"),
     ("compte-bloque", "Compte bloqué ou verrouillé après plusieurs essais",
      "Après 5 mots de passe erronés, votre compte est verrouillé pendant 15 minutes. Le message affiché est "
      "« Le compte référencé est actuellement verrouillé ».\n\n"
      "- Attendez 15 minutes puis réessayez **une seule fois** avec le bon mot de passe.\n"
      "- Vérifiez le verrouillage des majuscules et la langue du clavier (AZERTY/QWERTY).\n"
      "- Un téléphone ou une tablette qui synchronise la messagerie avec l'ancien mot de passe re-bloque le "
      "compte en boucle : mettez à jour le mot de passe sur ces appareils.\n\n"
      "Si le compte reste bloqué, la hotline peut le déverrouiller après vérification de votre identité."),
     ("account-locked-out", "Account locked out after too many attempts",
      'After 5 wrong passwords your account is locked for 15 minutes. Windows shows "The referenced account '
      'is currently locked out".\n\n'
      "- Wait 15 minutes, then try **once** with the right password.\n"
      "- Check Caps Lock and the keyboard layout.\n"
      "- A phone or tablet still syncing mail with your old password locks the account again and again: "
      "update the password on those devices.\n\n"
      "If the account stays locked, the service desk can unlock it once your identity is checked.")),
    ("vpn", "network", ("vpn", "teletravail", "remote"),
     ("vpn-connexion", "Se connecter au VPN en télétravail (GlobalProtect)",
      "Le VPN donne accès aux applications et aux dossiers partagés de l'entreprise depuis chez vous ou à "
      "l'hôtel.\n\n"
      "1. Ouvrez **GlobalProtect** dans la barre des tâches (icône globe).\n"
      "2. Portail : `vpn.entreprise.example`, puis identifiez-vous avec votre compte et le code de "
      "l'application Authenticator.\n"
      "3. Si la connexion reste sur « connexion en cours », désactivez le Wi-Fi puis réactivez-le, ou "
      "passez en partage de connexion depuis votre téléphone : certains hôtels bloquent les VPN.\n\n"
      "Le VPN ne fonctionne pas sans connexion Internet ni si l'heure du PC est fausse."),
     ("vpn-connection", "Connecting to the VPN when working remotely (GlobalProtect)",
      "The VPN gives you access to company applications and shared folders from home or a hotel.\n\n"
      "1. Open **GlobalProtect** from the taskbar (globe icon).\n"
      "2. Portal: `vpn.entreprise.example`, then sign in with your account and the Authenticator code.\n"
      "3. If it stays on \"connecting\", turn Wi-Fi off and on again, or use your phone's hotspot: some hotels "
      "block VPNs.\n\n"
      "The VPN does not work without an Internet connection or when the PC clock is wrong.")),
    ("outlook-not-receiving", "email", ("outlook", "messagerie", "email"),
     ("outlook-ne-recoit-plus", "Outlook ne reçoit plus ou n'envoie plus de messages",
      "Vos messages restent dans la boîte d'envoi ou rien n'arrive depuis un moment ?\n\n"
      "- Vérifiez en bas de la fenêtre Outlook : « Connecté à Microsoft Exchange » ou « Déconnecté ». Dans "
      "l'onglet Envoi/Réception, désactivez **Travailler hors connexion**.\n"
      "- Votre boîte est peut-être pleine : videz les éléments supprimés et archivez.\n"
      "- Fermez Outlook, puis relancez-le. Si Outlook demande le mot de passe en boucle, supprimez les "
      "identifiants enregistrés dans le Gestionnaire d'identification Windows.\n"
      "- Testez la messagerie web sur https://outlook.office.com : si elle fonctionne, le problème vient du "
      "poste."),
     ("outlook-not-receiving-email", "Outlook not receiving or sending e-mail",
      "Messages stuck in the Outbox, or nothing arriving for a while?\n\n"
      '- Look at the bottom of the Outlook window: "Connected to Microsoft Exchange" or "Disconnected". On '
      "the Send/Receive tab, turn off **Work Offline**.\n"
      "- Your mailbox may be full: empty Deleted Items and archive.\n"
      "- Close and restart Outlook. If Outlook keeps asking for your password, remove the saved credentials "
      "in Windows Credential Manager.\n"
      "- Try webmail at https://outlook.office.com: if it works, the problem is on the PC.")),
    ("shared-mailbox", "email", ("outlook", "boite-partagee", "shared-mailbox"),
     ("boite-partagee-outlook", "Ajouter une boîte aux lettres partagée dans Outlook",
      "Une boîte partagée (contact@, compta@, export@…) apparaît d'elle-même dans Outlook quelques heures "
      "après que la hotline vous y a donné accès.\n\n"
      "Si elle n'apparaît pas : **Fichier › Paramètres du compte › Modifier › Plus de paramètres › Avancé › "
      "Ajouter**, puis saisissez l'adresse de la boîte. Pour envoyer « de la part de » la boîte, choisissez "
      "l'adresse dans le champ **De**.\n\n"
      "Pour obtenir l'accès, le responsable de la boîte fait la demande sur le portail."),
     ("shared-mailbox-outlook", "Adding a shared mailbox in Outlook",
      "A shared mailbox (contact@, accounts@, export@…) appears in Outlook by itself a few hours after the "
      "service desk grants you access.\n\n"
      "If it does not: **File › Account Settings › Change › More Settings › Advanced › Add**, and type the "
      "mailbox address. To send as the mailbox, pick its address in the **From** field.\n\n"
      "To get access, the mailbox owner asks through the portal.")),
    ("printer-add", "printing", ("imprimante", "printer", "impression"),
     ("ajouter-imprimante", "Ajouter une imprimante réseau sur votre poste",
      "Les imprimantes du bureau sont publiées sur le serveur d'impression.\n\n"
      "1. Ouvrez **Paramètres › Bluetooth et appareils › Imprimantes et scanners**.\n"
      "2. Cliquez sur **Ajouter un appareil**, puis sur « L'imprimante que je veux n'est pas répertoriée ».\n"
      "3. Saisissez `\\\\srv-print\\` suivi du nom inscrit sur l'étiquette de l'imprimante (par exemple "
      "`\\\\srv-print\\ATELIER-HP`).\n\n"
      "Le pilote s'installe automatiquement. Pour imprimer en couleur ou en A3, choisissez la file "
      "correspondante."),
     ("add-network-printer", "Adding a network printer to your computer",
      "Office printers are published on the print server.\n\n"
      "1. Open **Settings › Bluetooth & devices › Printers & scanners**.\n"
      "2. Click **Add device**, then \"The printer that I want isn't listed\".\n"
      "3. Type `\\\\srv-print\\` followed by the name on the printer's label (for example "
      "`\\\\srv-print\\RECEPTION-HP`).\n\n"
      "The driver installs itself. For colour or A3 printing, pick the matching queue.")),
    ("printer-problem", "printing", ("imprimante", "printer", "toner", "bourrage"),
     ("imprimante-ne-fonctionne-pas", "L'imprimante n'imprime pas : hors ligne, bourrage papier, toner vide",
      "Avant d'appeler :\n\n"
      "- **Hors ligne** : vérifiez que l'imprimante est allumée et que son câble réseau est branché ; sur le "
      "PC, ouvrez la file d'attente et annulez les documents bloqués.\n"
      "- **Bourrage papier** : ouvrez les capots indiqués sur l'écran et retirez la feuille doucement, dans "
      "le sens du papier.\n"
      "- **Toner vide ou pages blanches** : remplacez la cartouche (les consommables sont dans l'armoire "
      "de l'étage) ; retirez la bande de protection orange.\n\n"
      "Si l'écran affiche un code d'erreur, notez-le dans votre ticket."),
     ("printer-not-printing", "Printer not printing: offline, paper jam, toner empty",
      "Before you call:\n\n"
      "- **Offline**: check the printer is on and its network cable is plugged in; on the PC, open the print "
      "queue and cancel stuck documents.\n"
      "- **Paper jam**: open the covers shown on the display and pull the sheet out gently, in the paper's "
      "direction.\n"
      "- **Toner empty or blank pages**: replace the cartridge (supplies are in the cupboard on each floor); "
      "remove the orange protective strip.\n\n"
      "If the display shows an error code, put it in your ticket.")),
    ("teams-audio", "collaboration", ("teams", "micro", "camera", "audio"),
     ("teams-micro-camera", "Teams : on ne m'entend pas ou ma caméra ne s'affiche pas en réunion",
      "Dans une réunion Teams, cliquez sur **Plus › Paramètres › Paramètres de l'appareil** et choisissez "
      "le bon micro, le bon haut-parleur et la bonne caméra (casque plutôt que micro du portable).\n\n"
      "- Vérifiez que le micro n'est pas coupé sur le casque lui-même.\n"
      "- Windows : **Paramètres › Confidentialité › Caméra / Microphone** doivent autoriser Teams.\n"
      "- Fermez les autres applications de visio (Zoom, Webex) qui gardent la caméra.\n"
      "- Passez un appel de test : **Paramètres › Appareils › Passer un appel test**."),
     ("teams-microphone-camera", "Teams: people can't hear me or my camera doesn't show in meetings",
      "In a Teams meeting, click **More › Settings › Device settings** and choose the right microphone, "
      "speaker and camera (your headset rather than the laptop's microphone).\n\n"
      "- Check the headset itself is not muted.\n"
      "- Windows: **Settings › Privacy › Camera / Microphone** must allow Teams.\n"
      "- Close other video apps (Zoom, Webex) that keep the camera.\n"
      "- Make a test call: **Settings › Devices › Make a test call**.")),
    ("new-laptop", "workstation", ("portable", "laptop", "nouvel-arrivant"),
     ("nouveau-portable-premiere-connexion", "Nouvel ordinateur portable : première connexion et mise en route",
      "Votre nouveau PC portable est préparé par le support ; à la remise :\n\n"
      "1. Branchez-le au réseau filaire du bureau pour la première connexion (indispensable).\n"
      "2. Connectez-vous avec votre compte habituel ; la préparation de la session prend 10 minutes.\n"
      "3. Configurez l'application **Authenticator** sur votre téléphone si ce n'est pas déjà fait.\n"
      "4. Vos fichiers OneDrive se synchronisent tout seuls ; réinstallez vos imprimantes.\n\n"
      "Rendez l'ancien ordinateur au support sous une semaine : ses données sont effacées."),
     ("new-laptop-first-sign-in", "New laptop: first sign-in and getting started",
      "Your new laptop is prepared by the support team; when you receive it:\n\n"
      "1. Plug it into the office wired network for the first sign-in (required).\n"
      "2. Sign in with your usual account; preparing the session takes 10 minutes.\n"
      "3. Set up the **Authenticator** app on your phone if you have not already.\n"
      "4. Your OneDrive files sync by themselves; add your printers again.\n\n"
      "Return the old computer to the support team within a week: its data is wiped.")),
    ("mfa", "security", ("mfa", "authenticator", "2fa"),
     ("double-authentification-authenticator", "Double authentification (MFA) : configurer ou changer de téléphone avec Microsoft Authenticator",
      "La double authentification protège votre compte : après le mot de passe, vous validez la connexion "
      "sur votre téléphone.\n\n"
      "- **Première configuration** : installez Microsoft Authenticator, puis ouvrez "
      "https://aka.ms/mysecurityinfo et ajoutez la méthode « Application d'authentification ».\n"
      "- **Nouveau téléphone** : tant que vous avez l'ancien, ajoutez le nouveau sur la même page. Sinon, "
      "appelez la hotline pour réinitialiser vos méthodes.\n"
      "- Vous ne recevez plus de notification : ouvrez l'application et saisissez le code à 6 chiffres."),
     ("mfa-authenticator-setup", "Multi-factor authentication (MFA): set up Microsoft Authenticator or move to a new phone",
      "Multi-factor authentication protects your account: after your password you approve the sign-in on "
      "your phone.\n\n"
      "- **First set-up**: install Microsoft Authenticator, open https://aka.ms/mysecurityinfo and add the "
      '"Authenticator app" method.\n'
      "- **New phone**: while you still have the old one, add the new phone on the same page. Otherwise "
      "call the service desk to reset your methods.\n"
      "- No notification arrives: open the app and type the 6-digit code.")),
    ("wifi", "network", ("wifi", "wi-fi", "reseau"),
     ("wifi-bureau-invites", "Wi-Fi du bureau et Wi-Fi invités",
      "Deux réseaux sans fil :\n\n"
      "- **CORP** pour les PC de l'entreprise : la connexion est automatique. Si elle échoue, oubliez le "
      "réseau puis reconnectez-vous, ou redémarrez le PC.\n"
      "- **INVITES** pour les visiteurs et les téléphones personnels : demandez le code du jour à l'accueil. "
      "Il est valable 24 heures.\n\n"
      "Si le Wi-Fi coupe souvent dans une zone, indiquez le bâtiment et l'endroit précis dans votre ticket."),
     ("office-and-guest-wifi", "Office Wi-Fi and guest Wi-Fi",
      "Two wireless networks:\n\n"
      "- **CORP** for company PCs: it connects by itself. If it fails, forget the network and reconnect, or "
      "restart the PC.\n"
      "- **GUESTS** for visitors and personal phones: ask reception for today's code. It lasts 24 hours.\n\n"
      "If Wi-Fi drops often in one area, give the building and the exact place in your ticket.")),
    ("onedrive", "collaboration", ("onedrive", "synchronisation", "fichiers"),
     ("onedrive-synchronisation", "OneDrive ne synchronise plus mes fichiers",
      "Une croix rouge sur l'icône nuage, ou des fichiers qui n'apparaissent pas sur vos autres appareils ?\n\n"
      "- Cliquez sur l'icône OneDrive : le message indique la cause (fichier ouvert, nom trop long, "
      "caractère interdit comme `#` ou `%`).\n"
      "- **Suspendre puis reprendre** la synchronisation règle la plupart des blocages.\n"
      "- Vérifiez l'espace disponible : OneDrive s'arrête quand le disque est plein.\n"
      "- En dernier recours, quittez OneDrive et relancez-le depuis le menu Démarrer."),
     ("onedrive-not-syncing", "OneDrive is not syncing my files",
      "A red cross on the cloud icon, or files missing on your other devices?\n\n"
      "- Click the OneDrive icon: the message gives the cause (file open, name too long, forbidden "
      "character such as `#` or `%`).\n"
      "- **Pause then resume** syncing fixes most blocks.\n"
      "- Check free space: OneDrive stops when the disk is full.\n"
      "- As a last resort, quit OneDrive and start it again from the Start menu.")),
    ("slow-pc", "workstation", ("lenteur", "slow", "disque"),
     ("pc-lent-disque-plein", "Mon PC est lent ou le disque est plein",
      "Un ordinateur qui rame a souvent une cause simple :\n\n"
      "- **Redémarrez** (pas seulement mise en veille) : les mises à jour en attente ralentissent le poste.\n"
      "- **Disque plein** : videz la corbeille et le dossier Téléchargements ; avec OneDrive, choisissez "
      "« Libérer de l'espace » sur les dossiers anciens.\n"
      "- Fermez les onglets du navigateur inutiles ; le Gestionnaire des tâches (Ctrl+Maj+Échap) montre ce "
      "qui consomme la mémoire.\n\n"
      "Si la lenteur persiste, indiquez dans le ticket le numéro d'inventaire du poste."),
     ("slow-computer-disk-full", "My computer is slow or the disk is full",
      "A sluggish computer often has a simple cause:\n\n"
      "- **Restart** (not just sleep): pending updates slow the machine down.\n"
      '- **Disk full**: empty the Recycle Bin and the Downloads folder; with OneDrive, choose "Free up '
      'space" on old folders.\n'
      "- Close browser tabs you don't need; Task Manager (Ctrl+Shift+Esc) shows what uses memory.\n\n"
      "If it stays slow, put the computer's asset tag in your ticket.")),
    ("voicemail", "telephony", ("telephone", "messagerie-vocale", "voicemail"),
     ("messagerie-vocale-telephone", "Consulter la messagerie vocale de votre téléphone de bureau",
      "Pour écouter vos messages, appuyez sur la touche **enveloppe** ou composez le **888** depuis votre "
      "poste, puis votre code à 4 chiffres (0000 au premier usage, à changer).\n\n"
      "- Depuis l'extérieur : appelez votre propre numéro, appuyez sur **\\*** pendant l'annonce.\n"
      "- Les messages arrivent aussi dans Outlook, en pièce jointe audio.\n"
      "- Code oublié : la hotline le réinitialise."),
     ("desk-phone-voicemail", "Checking your desk phone voicemail",
      "To listen to your messages, press the **envelope** key or dial **888** from your phone, then your "
      "4-digit PIN (0000 the first time, then change it).\n\n"
      "- From outside: call your own number and press **\\*** during the greeting.\n"
      "- Messages also arrive in Outlook as an audio attachment.\n"
      "- Forgotten PIN: the service desk resets it.")),
    ("software-request", "workstation", ("logiciel", "software", "installation"),
     ("demander-installation-logiciel", "Demander l'installation d'un logiciel",
      "Vous n'êtes pas administrateur de votre poste : les logiciels s'installent depuis le **Centre "
      "logiciel** (menu Démarrer › Centre logiciel) pour ceux qui sont déjà validés (Adobe Reader, 7-Zip, "
      "VLC, Zoom…).\n\n"
      "Pour un autre logiciel, ouvrez une demande sur le portail dans la catégorie « Installation de "
      "logiciel » en précisant le nom, la version et la licence. Votre responsable valide les logiciels "
      "payants."),
     ("request-software-installation", "Requesting a software installation",
      "You are not an administrator of your computer: approved software installs from **Software Center** "
      "(Start menu › Software Center) — Adobe Reader, 7-Zip, VLC, Zoom…\n\n"
      'For anything else, open a request on the portal in the "Software installation" category with the '
      "name, the version and the licence. Your manager approves paid software.")),
]  # fmt: skip

# Two more, written separately to keep lines readable: key → (category, tags, French, English).
EXTRA: dict[str, tuple[str, tuple[str, ...], Version, Version]] = {
    "dual-screen": (
        "workstation",
        ("ecran", "monitor", "station-accueil", "dock"),
        (
            "ecran-externe-station-accueil",
            "Écran externe ou station d'accueil non détecté",
            "Votre portable ne détecte pas le deuxième écran branché sur la station d'accueil ?\n\n"
            "- Vérifiez que l'écran est allumé et sur la bonne source (HDMI, DisplayPort).\n"
            "- Appuyez sur **Windows + P** et choisissez « Étendre ».\n"
            "- Débranchez le câble USB-C de la station, attendez 10 secondes, rebranchez-le.\n"
            "- **Paramètres › Système › Écran › Détecter** force la recherche des moniteurs.",
        ),
        (
            "external-monitor-docking-station",
            "External monitor or docking station not detected",
            "Your laptop does not see the second screen plugged into the docking station?\n\n"
            "- Check the monitor is on and set to the right input (HDMI, DisplayPort).\n"
            '- Press **Windows + P** and choose "Extend".\n'
            "- Unplug the dock's USB-C cable, wait 10 seconds, plug it back in.\n"
            "- **Settings › System › Display › Detect** forces a search for monitors.",
        ),
    ),
    "phishing": (
        "security",
        ("phishing", "hameconnage", "securite"),
        (
            "signaler-mail-suspect-hameconnage",
            "Signaler un e-mail suspect (hameçonnage)",
            "Un message vous demande de cliquer d'urgence, de saisir votre mot de passe ou d'ouvrir une pièce "
            "jointe inattendue ? C'est peut-être de l'hameçonnage.\n\n"
            "- Ne cliquez pas, ne répondez pas.\n"
            "- Dans Outlook, utilisez le bouton **Signaler › Hameçonnage**.\n"
            "- Si vous avez déjà saisi votre mot de passe, changez-le tout de suite et appelez la hotline.",
        ),
        (
            "report-suspicious-email-phishing",
            "Reporting a suspicious e-mail (phishing)",
            "A message urges you to click, to type your password or to open an unexpected attachment? It may be "
            "phishing.\n\n"
            "- Don't click, don't reply.\n"
            "- In Outlook, use the **Report › Phishing** button.\n"
            "- If you already typed your password, change it at once and call the service desk.",
        ),
    ),
}

ARTICLES += [(key, category, tags, fr, en) for key, (category, tags, fr, en) in EXTRA.items()]
