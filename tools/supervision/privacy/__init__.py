"""The privacy wing: the anonymisation guard: identifying details never enter a record.

* :mod:`.identifiers` finds UPNs, NHS and NI numbers, postcodes, phone numbers,
  email addresses, street addresses and dates of birth in a piece of text;
* :mod:`.names` matches names whole-word, ignoring case, accents and possessives;
* :mod:`.denylist` reads the school's names deny list (kept outside the repository);
* :mod:`.scanner` runs all of them over a parsed record for `supervision check`;
* :mod:`.waivers` reads ``# supervision: allow RULE - reason`` comments;
* :mod:`.caserefs` issues new pseudonymous case references (`supervision case new`).

Entry points: ``scanner.Guard.build`` (what a repository passes in: deny list,
staff names, case reference pattern, profiles) and ``Guard.review``.

This wing never imports the records repository: whatever it needs is passed in.

May import: problems, rules, config, forms.
"""
