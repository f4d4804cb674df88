//! Free-mail and disposable email domains: an address there says nothing about the employer,
//! so such a domain never matches an account or creates one.

/// Well-known consumer mailbox providers (a registrable domain each).
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.co.in",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.es",
    "yahoo.it",
    "yahoo.com.br",
    "yahoo.co.jp",
    "ymail.com",
    "rocketmail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.it",
    "hotmail.es",
    "outlook.com",
    "outlook.fr",
    "outlook.de",
    "live.com",
    "live.co.uk",
    "live.fr",
    "live.de",
    "msn.com",
    "passport.com",
    "aol.com",
    "aim.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "freenet.de",
    "mail.ru",
    "inbox.ru",
    "list.ru",
    "bk.ru",
    "yandex.ru",
    "yandex.com",
    "ya.ru",
    "rambler.ru",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "sohu.com",
    "yeah.net",
    "foxmail.com",
    "aliyun.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "protonmail.ch",
    "tutanota.com",
    "tutanota.de",
    "tuta.io",
    "zoho.com",
    "zohomail.com",
    "fastmail.com",
    "fastmail.fm",
    "hey.com",
    "hushmail.com",
    "mail.com",
    "email.com",
    "usa.com",
    "post.com",
    "inbox.com",
    "lycos.com",
    "excite.com",
    "rediffmail.com",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "alice.it",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "neuf.fr",
    "bluewin.ch",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "ntlworld.com",
    "talktalk.net",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "optonline.net",
    "juno.com",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "bigpond.com",
    "optusnet.com.au",
    "xtra.co.nz",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "ig.com.br",
    "yahoo.com.ar",
    "hotmail.com.ar",
    "telenet.be",
    "skynet.be",
    "ziggo.nl",
    "kpnmail.nl",
    "planet.nl",
    "home.nl",
    "telia.com",
    "online.no",
    "mail.dk",
    "gawab.com",
];

/// Throwaway-address services.
const DISPOSABLE: &[&str] = &[
    "mailinator.com",
    "guerrillamail.com",
    "guerrillamail.net",
    "sharklasers.com",
    "10minutemail.com",
    "10minutemail.net",
    "temp-mail.org",
    "tempmail.com",
    "tempmail.net",
    "throwawaymail.com",
    "yopmail.com",
    "yopmail.fr",
    "trashmail.com",
    "getnada.com",
    "dispostable.com",
    "maildrop.cc",
    "mailnesia.com",
    "mintemail.com",
    "mohmal.com",
    "fakeinbox.com",
    "spamgourmet.com",
    "emailondeck.com",
    "mytemp.email",
    "tempinbox.com",
    "discard.email",
    "burnermail.io",
    "moakt.com",
    "mailcatch.com",
    "spambox.us",
    "33mail.com",
];

/// Why a domain tells nothing about an employer, if it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalDomain {
    /// A consumer mailbox provider (gmail.com, outlook.com, ...).
    FreeMail,
    /// A throwaway-address service.
    Disposable,
}

/// Classifies a registrable domain: `None` for a corporate domain.
pub fn personal_domain(registrable: &str) -> Option<PersonalDomain> {
    if FREE_MAIL.contains(&registrable) {
        Some(PersonalDomain::FreeMail)
    } else if DISPOSABLE.contains(&registrable) {
        Some(PersonalDomain::Disposable)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumer_and_throwaway_domains_are_recognized() {
        assert_eq!(personal_domain("gmail.com"), Some(PersonalDomain::FreeMail));
        assert_eq!(
            personal_domain("yahoo.co.uk"),
            Some(PersonalDomain::FreeMail)
        );
        assert_eq!(
            personal_domain("mailinator.com"),
            Some(PersonalDomain::Disposable)
        );
        assert_eq!(personal_domain("acme.com"), None);
    }
}
