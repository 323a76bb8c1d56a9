package renderer

import (
	"fmt"
	"sort"
)

// uiText is one built-in text of the web pages in German and English.
type uiText struct{ de, en string }

// uiTexts are the built-in texts of the web pages by message ID. Form texts (labels, hints,
// choices, page titles) come from the form and its translations; everything else a citizen
// reads on a page comes from here. Texts with verbs take fmt parameters.
var uiTexts = map[string]uiText{
	// page frame
	"frame.skip":          {"Zum Inhalt springen", "Skip to content"},
	"frame.portal":        {"Online-Anträge", "Online applications"},
	"frame.home":          {"Startseite", "Home page"},
	"frame.language":      {"Sprache", "Language"},
	"frame.switchTo":      {"English", "Deutsch"},
	"frame.switchLang":    {"en", "de"},
	"frame.footer":        {"Ihre Angaben werden verschlüsselt übertragen und nur für diesen Antrag verwendet.", "Your details are transmitted in encrypted form and used only for this application."},
	"frame.footerPlain":   {"Ihre Angaben werden nur für diesen Antrag verwendet.", "Your details are used only for this application."},
	"frame.legalNav":      {"Rechtliches", "Legal information"},
	"frame.imprint":       {"Impressum", "Legal notice (Impressum)"},
	"frame.privacy":       {"Datenschutz", "Privacy"},
	"frame.accessibility": {"Barrierefreiheit", "Accessibility"},
	"a11y.title":          {"Erklärung zur Barrierefreiheit", "Accessibility statement"},
	"a11y.intro":          {"Wir sind bemüht, unsere Online-Anträge im Einklang mit § 12a des Behindertengleichstellungsgesetzes (BGG) und der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) barrierefrei zugänglich zu machen. Diese Erklärung gilt für dieses Portal.", "We aim to make our online applications accessible in accordance with section 12a of the German Disability Equality Act (BGG) and the Barrier-Free Information Technology Ordinance (BITV 2.0). This statement applies to this portal."},
	"a11y.statusH":        {"Stand der Vereinbarkeit mit den Anforderungen", "Compliance status"},
	"a11y.status.full":    {"%s ist mit den Anforderungen der BITV 2.0 vollständig vereinbar.", "%s fully complies with the requirements of BITV 2.0."},
	"a11y.status.partial": {"%s ist mit den Anforderungen der BITV 2.0 teilweise vereinbar. Die unten genannten Inhalte sind nicht barrierefrei.", "%s partially complies with the requirements of BITV 2.0. The content listed below is not accessible."},
	"a11y.status.none":    {"%s ist mit den Anforderungen der BITV 2.0 nicht vereinbar. Die unten genannten Inhalte sind nicht barrierefrei.", "%s does not comply with the requirements of BITV 2.0. The content listed below is not accessible."},
	"a11y.status.unknown": {"Der Betreiber hat den Stand der Vereinbarkeit noch nicht bewertet.", "The operator has not yet assessed the compliance status."},
	"a11y.barriersH":      {"Nicht barrierefreie Inhalte", "Content that is not accessible"},
	"a11y.madeH":          {"Erstellung dieser Erklärung", "Preparation of this statement"},
	"a11y.made":           {"Methode: %s. Stand: %s.", "Method: %s. Date: %s."},
	"a11y.feedbackH":      {"Barrieren melden: Kontakt zu den Feedback-Ansprechpartnern", "Reporting barriers: feedback contact"},
	"a11y.feedback":       {"Sind Ihnen Mängel beim barrierefreien Zugang aufgefallen, oder brauchen Sie Inhalte in barrierefreier Form? Dann wenden Sie sich bitte an uns:", "Have you noticed any barriers, or do you need content in an accessible form? Please contact us:"},
	"a11y.feedbackNone":   {"Der Betreiber hat noch keinen Feedback-Kontakt eingetragen.", "The operator has not yet entered a feedback contact."},
	"a11y.emailL":         {"E-Mail:", "Email:"},
	"a11y.phoneL":         {"Telefon:", "Phone:"},
	"a11y.formL":          {"Kontaktformular", "Contact form"},
	"a11y.enforcementH":   {"Schlichtungsverfahren", "Enforcement procedure"},
	"a11y.enforcement":    {"Wenn Sie auf Ihre Meldung keine zufriedenstellende Antwort erhalten haben, können Sie sich an die Schlichtungs- oder Durchsetzungsstelle wenden (§ 16 BGG und das Recht Ihres Landes). Das Verfahren ist kostenfrei; Sie brauchen keinen Rechtsbeistand.", "If you have not received a satisfactory answer, you can turn to the conciliation or enforcement body (section 16 BGG and the law of your Land). The procedure is free of charge; you do not need a lawyer."},
	"frame.titleSuffix":   {"%s – %s", "%s – %s"},
	"frame.errorPrefix":   {"Fehler: %s", "Error: %s"},

	// index
	"index.title":         {"Online-Anträge", "Online applications"},
	"index.intro":         {"Hier können Sie Anträge online stellen. Sie brauchen dafür kein Konto.", "You can submit applications online here. You do not need an account."},
	"index.empty":         {"Zurzeit sind keine Anträge verfügbar.", "No applications are available at the moment."},
	"index.resume":        {"Sie haben einen Antrag zwischengespeichert? Mit Ihrem Code können Sie ihn fortsetzen.", "Have you saved an application for later? You can continue it with your code."},
	"index.search":        {"Antrag suchen", "Find an application"},
	"index.searchHint":    {"Ein oder mehrere Wörter, zum Beispiel „Hund“, „Gewerbe“ oder „Parken“.", "One or more words, for example “dog”, “business” or “parking”."},
	"index.category":      {"Lebenslage", "Topic"},
	"index.allCategories": {"Alle Lebenslagen", "All topics"},
	"index.searchButton":  {"Suchen", "Search"},
	"index.found":         {"%d Anträge.", "%d applications."},
	"index.foundOne":      {"1 Antrag.", "1 application."},
	"index.noneFound":     {"Zu Ihrer Suche gibt es keinen Antrag. Versuchen Sie ein anderes Wort oder alle Lebenslagen.", "No application matches your search. Try another word or all topics."},
	"index.pageOf":        {"Seite %d von %d.", "Page %d of %d."},
	"index.other":         {"Weitere Anträge", "Other applications"},
	"index.pages":         {"Seiten", "Pages"},
	"index.page":          {"Seite %d", "Page %d"},
	"index.prev":          {"Vorherige Seite", "Previous page"},
	"index.next":          {"Nächste Seite", "Next page"},
	"index.resumeL":       {"Antrag mit Code fortsetzen", "Continue an application with a code"},

	// Einer für Alle
	"authority.for":            {"Zuständig für Ihre Gemeinde %s (Amtlicher Regionalschlüssel %s).", "Responsible for your municipality %s (official regional key %s)."},
	"authority.privacyContact": {"Die oder den Datenschutzbeauftragten von %s erreichen Sie unter %s.", "You can reach the data protection officer of %s at %s."},
	"municipality.title":       {"In welcher Gemeinde wohnen Sie?", "Which municipality do you live in?"},
	"municipality.intro":       {"Die Postleitzahl %s gehört zu mehreren Gemeinden. Ihr Antrag geht an die Behörde Ihrer Gemeinde; bitte wählen Sie sie aus.", "The postcode %s belongs to several municipalities. Your application goes to the authority of your municipality; please choose it."},
	"municipality.button":      {"Weiter", "Continue"},
	"municipality.legend":      {"Gemeinde Ihres Wohnsitzes", "Municipality of your residence"},
	"municipality.change":      {"Postleitzahl ändern", "Change the postcode"},
	"municipality.required":    {"Bitte wählen Sie Ihre Gemeinde aus.", "Please choose your municipality."},
	"unserved.title":           {"Für Ihre Gemeinde nicht online verfügbar", "Not available online for your municipality"},
	"unserved.text":            {"Den Antrag „%s“ können Sie für die Gemeinde %s hier nicht online stellen: Keine Behörde Ihrer Gemeinde nimmt ihn über dieses Portal entgegen.", "You cannot submit the application “%s” for the municipality %s online here: no authority of your municipality receives it through this portal."},
	"unserved.textPLZ":         {"Den Antrag „%s“ können Sie für die Postleitzahl %s hier nicht online stellen: Wir kennen keine Behörde, die für diese Postleitzahl zuständig ist.", "You cannot submit the application “%s” for the postcode %s online here: we know of no authority responsible for this postcode."},
	"unserved.whatH":           {"Was Sie tun können", "What you can do"},
	"unserved.contact":         {"Wenden Sie sich an die Verwaltung Ihrer Stadt oder Gemeinde (Bürgerbüro oder Rathaus). Dort erfahren Sie, wie Sie den Antrag stellen können.", "Contact the administration of your town or municipality (citizens’ office or town hall). They will tell you how to submit the application."},
	"unserved.wrong":           {"Haben Sie sich bei der Postleitzahl oder der Gemeinde vertippt?", "Did you mistype the postcode or the municipality?"},
	"unserved.changeLink":      {"Angabe ändern", "Change your answer"},
	"unserved.kept":            {"Ihre Angaben bleiben gespeichert. Sie können den Antrag später fortsetzen, zum Beispiel wenn Sie umziehen.", "Your answers remain saved. You can continue the application later, for example if you move."},
	"unserved.home":            {"Zur Übersicht der Anträge", "To the list of applications"},

	// start page
	"start.need":        {"Das brauchen Sie", "What you need"},
	"start.authority":   {"Zuständige Stelle", "Responsible authority"},
	"start.privacy":     {"Datenschutz", "Data protection"},
	"start.privacyMore": {"Datenschutzhinweis lesen", "Read the data protection notice"},
	"start.phone":       {"Telefon: %s", "Phone: %s"},
	"start.email":       {"E-Mail:", "Email:"},
	"start.website":     {"Website der zuständigen Stelle", "Website of the responsible authority"},
	"start.steps":       {"Der Antrag hat %d Schritte. Sie können ihn jederzeit zwischenspeichern und später fortsetzen.", "The application has %d steps. You can save it at any time and continue later."},
	"start.button":      {"Antrag starten", "Start application"},
	"start.restart":     {"Neu beginnen", "Start again"},
	"start.draft":       {"Sie haben diesen Antrag schon begonnen.", "You have already started this application."},
	"start.continue":    {"Weiter ausfüllen", "Continue filling in"},
	"start.resume":      {"Antrag mit Code fortsetzen", "Continue an application with a code"},
	"start.resumeText":  {"Sie haben den Antrag zwischengespeichert?", "Have you saved the application for later?"},

	// step pages
	"step.of":            {"Schritt %d von %d", "Step %d of %d"},
	"step.required":      {"Felder mit * sind Pflichtfelder.", "Fields marked * are required."},
	"step.requiredMark":  {"(Pflichtfeld)", "(required)"},
	"step.next":          {"Weiter", "Continue"},
	"step.toReview":      {"Weiter zur Übersicht", "Continue to the summary"},
	"step.backToReview":  {"Speichern und zurück zur Übersicht", "Save and return to the summary"},
	"step.back":          {"Zurück", "Back"},
	"step.save":          {"Zwischenspeichern", "Save for later"},
	"step.refresh":       {"Aktualisieren", "Update"},
	"step.refreshHint":   {"Ihre Auswahl kann weitere Fragen anzeigen.", "Your choice may show further questions."},
	"step.add":           {"Weiteren Eintrag hinzufügen", "Add another entry"},
	"step.remove":        {"Entfernen", "Remove"},
	"step.selectPrompt":  {"Bitte auswählen", "Please select"},
	"step.dateFormat":    {"Format: TT.MM.JJJJ, zum Beispiel 28.11.2026", "Format: DD.MM.YYYY, for example 28.11.2026"},
	"step.dateHint":      {"Zum Beispiel 28.11.1985 (TT.MM.JJJJ)", "For example 28.11.1985 (DD.MM.YYYY)"},
	"step.datePartsHint": {"Zum Beispiel 28 11 1985", "For example 28 11 1985"},
	"step.day":           {"Tag", "Day"},
	"step.month":         {"Monat", "Month"},
	"step.year":          {"Jahr", "Year"},
	"step.timeHint":      {"Zum Beispiel 13:37 (HH:MM)", "For example 13:37 (HH:MM, 24-hour clock)"},
	"step.dateTimeHint":  {"Zum Beispiel 28.11.2026 13:37 (TT.MM.JJJJ HH:MM)", "For example 28.11.2026 13:37 (DD.MM.YYYY HH:MM)"},
	"step.range":         {"Eine Zahl von %s bis %s.", "A number from %s to %s."},
	"step.appeared":      {"Durch Ihre Angaben sind weitere Fragen hinzugekommen. Bitte prüfen Sie die Seite und klicken Sie dann noch einmal auf „Weiter“.", "Your answers have added further questions. Please check the page and then select “Continue” again."},
	"step.itemAdded":     {"Ein neuer Eintrag wurde hinzugefügt.", "A new entry has been added."},
	"step.itemRemoved":   {"Der Eintrag wurde entfernt.", "The entry has been removed."},
	"step.fileUploaded":  {"Die Datei wurde hochgeladen. Sie steht jetzt unter dem Feld.", "The file has been uploaded. It is now listed below the field."},
	"step.filesUploaded": {"Die Dateien wurden hochgeladen. Sie stehen jetzt unter dem Feld.", "The files have been uploaded. They are now listed below the field."},
	"step.fileRemoved":   {"Die Datei wurde entfernt.", "The file has been removed."},
	"file.types":         {"Dateiformat: %s.", "File format: %s."},
	"file.size":          {"Höchstens %s je Datei.", "At most %s per file."},
	"file.one":           {"Eine neue Datei ersetzt die hochgeladene.", "A new file replaces the uploaded one."},
	"file.many":          {"Sie können bis zu %d Dateien hochladen.", "You can upload up to %d files."},
	"file.full":          {"Sie haben die höchste Zahl an Dateien hochgeladen. Um eine andere hochzuladen, entfernen Sie zuerst eine.", "You have uploaded the maximum number of files. To upload another one, remove one first."},
	"file.or":            {"oder", "or"},
	"file.upload":        {"Hochladen", "Upload"},
	"file.remove":        {"Entfernen", "Remove"},
	"file.list":          {"Hochgeladene Dateien", "Uploaded files"},
	"file.unknown":       {"Datei nicht mehr vorhanden", "File no longer available"},
	"choice.yes":         {"Ja", "Yes"},
	"choice.no":          {"Nein", "No"},
	"errors.one":         {"Es gibt 1 Problem", "There is 1 problem"},
	"errors.many":        {"Es gibt %d Probleme", "There are %d problems"},
	"errors.fieldPrefix": {"Fehler:", "Error:"},

	// review page
	"review.title":   {"Angaben prüfen", "Check your answers"},
	"review.intro":   {"Bitte prüfen Sie Ihre Angaben, bevor Sie den Antrag absenden.", "Please check your answers before you submit the application."},
	"review.change":  {"Ändern", "Change"},
	"review.empty":   {"keine Angabe", "not specified"},
	"review.submitH": {"Antrag absenden", "Submit the application"},
	"review.submitT": {"Mit dem Absenden übermitteln Sie Ihre Angaben an: %s.", "By submitting, you send your details to: %s."},
	"review.submit":  {"Absenden", "Submit"},
	"review.noItems": {"keine Einträge", "no entries"},
	"review.removed": {"Die Datei wurde entfernt. Bitte laden Sie bei Bedarf eine andere hoch (über „Ändern“).", "The file has been removed. If needed, please upload another one (using “Change”)."},

	// confirmation page
	"done.title":      {"Ihr Antrag ist eingegangen", "Your application has been received"},
	"done.reference":  {"Ihre Vorgangsnummer", "Your reference number"},
	"done.received":   {"Eingegangen am %s um %s Uhr bei: %s.", "Received on %s at %s by: %s."},
	"done.keep":       {"Bitte notieren Sie die Vorgangsnummer. Sie brauchen sie bei Rückfragen.", "Please note down the reference number. You will need it if you have any questions."},
	"done.receiptH":   {"Eingangsbestätigung", "Confirmation of receipt"},
	"done.receipt":    {"Eingangsbestätigung herunterladen (PDF)", "Download the confirmation of receipt (PDF)"},
	"done.linkText":   {"Mit diesem Link können Sie die Eingangsbestätigung auch später oder auf einem anderen Gerät abrufen. Geben Sie ihn nicht weiter:", "With this link you can also download the confirmation later or on another device. Do not share it:"},
	"done.linkLabel":  {"Link zur Eingangsbestätigung", "Link to the confirmation of receipt"},
	"done.nextSteps":  {"Wie geht es weiter?", "What happens next?"},
	"done.contact":    {"Bei Fragen wenden Sie sich an: %s.", "If you have questions, please contact: %s."},
	"done.newForm":    {"Weitere Anträge", "Other applications"},
	"done.dateFormat": {"02.01.2006", "2 January 2006"},
	"done.timeFormat": {"15:04", "15:04"},

	// save and resume
	"saved.title":     {"Ihre Angaben sind zwischengespeichert", "Your answers have been saved"},
	"saved.code":      {"Ihr Code zum Fortsetzen", "Your code to continue"},
	"saved.link":      {"Link zum Fortsetzen", "Link to continue"},
	"saved.valid":     {"Code und Link gelten bis %s.", "The code and the link are valid until %s."},
	"saved.secret":    {"Code und Link sind geheim: Wer sie kennt, kann Ihre Angaben sehen und ändern. Geben Sie sie nicht weiter und schicken Sie sie nicht per unverschlüsselter E-Mail.", "The code and the link are secret: anyone who knows them can see and change your answers. Do not share them and do not send them by unencrypted email."},
	"saved.howto":     {"Notieren Sie den Code oder speichern Sie den Link, zum Beispiel als Lesezeichen. Um später weiterzumachen, öffnen Sie den Link oder geben Sie den Code unter „Antrag mit Code fortsetzen“ ein.", "Write down the code or save the link, for example as a bookmark. To continue later, open the link or enter the code under “Continue an application with a code”."},
	"saved.once":      {"Code und Link gelten für ein einziges Fortsetzen. Wenn Sie danach wieder zwischenspeichern, erhalten Sie einen neuen Code.", "The code and the link work for continuing once. If you save again afterwards, you will get a new code."},
	"saved.continue":  {"Jetzt weiter ausfüllen", "Continue filling in now"},
	"saved.dateTime":  {"02.01.2006, 15:04 Uhr", "2 January 2006, 15:04"},
	"resume.title":    {"Antrag mit Code fortsetzen", "Continue an application with a code"},
	"resume.intro":    {"Geben Sie den Code ein, den Sie beim Zwischenspeichern erhalten haben.", "Enter the code you received when you saved your application."},
	"resume.label":    {"Code", "Code"},
	"resume.hint":     {"Zum Beispiel K7QF-9QX2-… (Groß- und Kleinschreibung egal)", "For example K7QF-9QX2-… (upper or lower case)"},
	"resume.button":   {"Fortsetzen", "Continue"},
	"resume.unknown":  {"Dieser Code ist uns nicht bekannt oder wurde schon verwendet. Bitte prüfen Sie Ihre Eingabe.", "We do not know this code or it has already been used. Please check what you entered."},
	"resume.expired":  {"Dieser Code ist abgelaufen. Ihre Angaben wurden gelöscht; bitte beginnen Sie den Antrag neu.", "This code has expired. Your answers have been deleted; please start the application again."},
	"resume.required": {"Bitte geben Sie Ihren Code ein.", "Please enter your code."},

	// error pages
	"error.back":            {"Zur Startseite", "Go to the home page"},
	"error.startAgain":      {"Antrag neu beginnen", "Start the application again"},
	"error.reference":       {"Referenz für Rückfragen: %s", "Reference for enquiries: %s"},
	"error.413.file.title":  {"Datei zu groß", "File too large"},
	"error.413.file.text":   {"Die Datei ist zu groß: Möglich sind höchstens %s je Datei. Die Datei und die übrigen Angaben dieser Seite wurden nicht gespeichert. Bitte gehen Sie zurück und wählen Sie eine kleinere Datei, zum Beispiel einen Scan mit geringerer Auflösung oder ein PDF statt eines Fotos.", "The file is too large: at most %s per file is possible. The file and the other answers on this page have not been saved. Please go back and choose a smaller file, for example a scan at a lower resolution or a PDF instead of a photo."},
	"error.413.upload.text": {"Die gesendeten Dateien sind zusammen zu groß (höchstens %s auf einmal). Sie und die übrigen Angaben dieser Seite wurden nicht gespeichert. Bitte gehen Sie zurück und laden Sie die Dateien einzeln hoch.", "The files you sent are too large together (at most %s at once). They and the other answers on this page have not been saved. Please go back and upload the files one at a time."},
	"error.503.scan.text":   {"Die Datei konnte gerade nicht auf Schadsoftware geprüft werden und wurde deshalb nicht gespeichert, ebenso wenig die übrigen Angaben dieser Seite. Bitte versuchen Sie es in einigen Minuten erneut; Ihre zuvor gespeicherten Angaben bleiben erhalten.", "The file could not be checked for malware just now and has therefore not been saved, nor have the other answers on this page. Please try again in a few minutes; the answers you saved before are kept."},
	"error.backToStep":      {"Zurück zur Seite", "Back to the page"},
	"error.400.title":       {"Ungültige Anfrage", "Invalid request"},
	"error.400.text":        {"Ihre Anfrage konnte nicht verarbeitet werden. Bitte gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal.", "Your request could not be processed. Please go back, reload the page and try again."},
	"error.403.title":       {"Sicherheitsprüfung fehlgeschlagen", "Security check failed"},
	"error.403.text":        {"Die Anfrage kam nicht von dieser Seite oder die Seite war zu lange geöffnet. Bitte laden Sie die Seite neu und senden Sie Ihre Angaben noch einmal. Bereits gespeicherte Angaben bleiben erhalten.", "The request did not come from this page, or the page was open for too long. Please reload the page and send your answers again. Answers already saved are kept."},
	"error.404.title":       {"Seite nicht gefunden", "Page not found"},
	"error.404.text":        {"Diese Seite gibt es nicht. Bitte prüfen Sie die Adresse oder beginnen Sie auf der Startseite.", "This page does not exist. Please check the address or start from the home page."},
	"error.410.title":       {"Ihre Sitzung ist abgelaufen", "Your session has expired"},
	"error.410.text":        {"Ihre Angaben waren zu lange nicht mehr bearbeitet und wurden aus Datenschutzgründen gelöscht. Bitte beginnen Sie den Antrag neu.", "Your answers were not edited for too long and have been deleted for data protection reasons. Please start the application again."},
	"error.409.title":       {"Die Anfrage passt nicht zum aktuellen Stand", "The request does not match the current state"},
	"error.409.text":        {"Die Angaben wurden in der Zwischenzeit geändert. Bitte laden Sie die Seite neu.", "The answers have changed in the meantime. Please reload the page."},
	"error.413.title":       {"Zu viele Daten", "Too much data"},
	"error.413.text":        {"Die gesendeten Daten sind zu groß. Bitte kürzen Sie Ihre Angaben und versuchen Sie es noch einmal.", "The data you sent is too large. Please shorten your answers and try again."},
	"error.429.title":       {"Zu viele Anfragen", "Too many requests"},
	"error.429.text":        {"Sie haben in kurzer Zeit sehr viele Anfragen gesendet. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.", "You have sent a lot of requests in a short time. Please wait a moment and then try again."},
	"error.500.title":       {"Interner Fehler", "Internal error"},
	"error.500.text":        {"Es ist ein Fehler aufgetreten, den wir nicht erwartet haben. Bitte versuchen Sie es später noch einmal.", "An error occurred that we did not expect. Please try again later."},
	"error.500.reference":   {"Interner Fehler (Referenz %s)", "Internal error (reference %s)"},
	"error.503.title":       {"Dienst vorübergehend nicht verfügbar", "Service temporarily unavailable"},
	"error.503.text":        {"Ihre Angaben wurden nicht gesendet. Bitte versuchen Sie es in einigen Minuten erneut; Ihre Eingaben bleiben gespeichert.", "Your answers have not been sent. Please try again in a few minutes; your answers remain saved."},
	"error.503.notSaved":    {"Ihre Angaben auf dieser Seite konnten gerade nicht gespeichert werden. Bitte gehen Sie zurück und versuchen Sie es in einigen Minuten erneut; was Sie zuvor gespeichert haben, bleibt erhalten.", "Your answers on this page could not be saved just now. Please go back and try again in a few minutes; what you saved before is kept."},
	"error.503.retry":       {"Diese Seite kann gerade nicht angezeigt werden. Bitte versuchen Sie es in einigen Minuten erneut; Ihre gespeicherten Angaben bleiben erhalten.", "This page cannot be shown just now. Please try again in a few minutes; your saved answers are kept."},
	"error.backToReview":    {"Zurück zu Ihren Angaben", "Back to your answers"},
	"error.purged.title":    {"Eingangsbestätigung nicht mehr verfügbar", "Receipt no longer available"},
	"error.purged.text":     {"Ihre Angaben zu diesem Vorgang wurden an die Behörde übergeben und danach hier fristgerecht gelöscht. Die Eingangsbestätigung kann deshalb nicht mehr erstellt werden; Ihre Vorgangsnummer bleibt gültig.", "Your answers for this application were handed over to the authority and then deleted here as scheduled. The receipt can therefore no longer be created; your reference number remains valid."},
	"error.input.title":     {"Ungültige Eingabe", "Invalid input"},
	"error.input.unknown":   {"Das Formular enthielt ein Feld, das es auf dieser Seite nicht gibt. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.", "The form contained a field that does not exist on this page. Please reload the page and try again."},
	"error.input.repeated":  {"Das Formular enthielt ein Feld mehrfach. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.", "The form contained a field more than once. Please reload the page and try again."},
	"error.input.tooLong":   {"Eine Eingabe ist viel zu lang (mehr als %d Zeichen). Bitte kürzen Sie sie und versuchen Sie es noch einmal.", "One of your answers is far too long (more than %d characters). Please shorten it and try again."},
	"error.input.tooMany":   {"Das Formular enthielt zu viele Felder (mehr als %d).", "The form contained too many fields (more than %d)."},
	"error.input.encoding":  {"Eine Eingabe enthielt ungültige Zeichen (kein gültiges UTF-8). Bitte prüfen Sie Ihre Eingaben.", "One of your answers contained invalid characters (not valid UTF-8). Please check your answers."},
	"error.input.malformed": {"Die gesendeten Daten konnten nicht gelesen werden. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.", "The data you sent could not be read. Please reload the page and try again."},
	"error.input.action":    {"Diese Aktion ist auf dieser Seite nicht möglich. Bitte laden Sie die Seite neu.", "This action is not possible on this page. Please reload the page."},
}

// UIText returns the built-in text with the given ID in lang ("en", or German for anything
// else), formatted with args when there are any. An unknown ID yields the ID itself, so that
// a missing text shows up in tests rather than as an empty page.
func UIText(lang, id string, args ...any) string {
	t, ok := uiTexts[id]
	if !ok {
		return id
	}
	s := t.de
	if lang == "en" {
		s = t.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// UITextIDs lists the IDs of the built-in texts, sorted.
func UITextIDs() []string {
	ids := make([]string, 0, len(uiTexts))
	for id := range uiTexts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// UITextTemplate returns the German and English template of a built-in text.
func UITextTemplate(id string) (de, en string, ok bool) {
	t, ok := uiTexts[id]
	return t.de, t.en, ok
}
